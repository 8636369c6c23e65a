using Spectre.Console;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Pipeline;

/// <summary>Builds the run's report and prints its summary table.</summary>
public static class Reporting
{
    public static PruneReport Build(PruneOptions o, Model before, Model after, ChannelAnalysis analysis, PruningPlan plan,
        WidthAllocation allocation, ExactnessReport exact)
    {
        var groupMacs = GroupMacs.Of(analysis);
        var groups = analysis.PrunableGroups.Select(g =>
        {
            var removed = plan.Removed.GetValueOrDefault(g.Id) ?? [];
            return new GroupReport(g.Id, g.Width, g.Width - removed.Count, removed, g.Producers, g.Consumers, groupMacs[g.Id]);
        }).ToList();
        return new PruneReport(o.Input, o.Output, o.Method, o.Speedup, allocation.PredictedSpeedup,
            Figures(before), Figures(after), analysis.Groups.Count(g => g.Locked), groups,
            new ExactnessFigures(exact.MaxAbsDiff, exact.RelativeDiff, exact.Tolerance, exact.Batches, exact.Passed));
    }

    public static ModelFigures Figures(Model m)
    {
        var s = ModelSummary.Of(m);
        return new ModelFigures(s.TotalParams, s.MacsPerSample, s.ConvGemmMacsPerSample);
    }

    public static void PrintSummary(PruneReport r)
    {
        var groups = new Table().Border(TableBorder.Simple).Title("[bold]channel groups[/]");
        groups.AddColumn("group", c => c.RightAligned());
        groups.AddColumn("width", c => c.RightAligned());
        groups.AddColumn("kept", c => c.RightAligned());
        groups.AddColumn("produced by");
        foreach (var g in r.Groups)
            groups.AddRow(g.Id.ToString(), g.WidthBefore.ToString(), g.WidthAfter.ToString(),
                Markup.Escape(Abbreviate(g.Producers.Count > 0 ? g.Producers : g.Consumers)));
        groups.Caption($"{r.Groups.Count} prunable groups, {r.LockedGroups} locked");
        AnsiConsole.Write(groups);

        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("");
        t.AddColumn("original", c => c.RightAligned());
        t.AddColumn("pruned", c => c.RightAligned());
        t.AddColumn("ratio", c => c.RightAligned());
        t.AddRow("parameters", r.Before.Params.ToString("N0"), r.After.Params.ToString("N0"), $"{(double)r.Before.Params / Math.Max(1, r.After.Params):0.00}x");
        t.AddRow("MACs per sample", r.Before.Macs.ToString("N0"), r.After.Macs.ToString("N0"), $"{r.MacSpeedup:0.00}x");
        t.AddRow("  Conv/Gemm/MatMul", r.Before.ConvGemmMacs.ToString("N0"), r.After.ConvGemmMacs.ToString("N0"),
            $"{(double)r.Before.ConvGemmMacs / Math.Max(1, r.After.ConvGemmMacs):0.00}x");
        if (r.Exactness is { } e)
            t.AddRow("exactness (max rel. diff)", "", $"{e.RelativeDiff:E2}", e.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        if (r.Accuracy is { } a)
        {
            t.AddRow("top-1 accuracy", $"{a.Top1Before * 100:0.00}%", $"{a.Top1After * 100:0.00}%", $"{a.Top1Change * 100:+0.00;-0.00;0.00} pt");
            if (a.Top5Before is { } b5 && a.Top5After is { } a5) t.AddRow("top-5 accuracy", $"{b5 * 100:0.00}%", $"{a5 * 100:0.00}%", $"{(a5 - b5) * 100:+0.00;-0.00;0.00} pt");
        }
        if (r.Latency is { } l)
            foreach (var p in l.Batches)
                t.AddRow($"latency, batch {p.Batch} ({Markup.Escape(l.Provider)})", $"{LatencyTable.Ms(p.BeforeMedianMs)} ms", $"{LatencyTable.Ms(p.AfterMedianMs)} ms",
                    p.Speedup >= 1 ? $"{p.Speedup:0.00}x" : $"[yellow]{p.Speedup:0.00}x[/]");
        t.Caption($"method {r.Method}, target {r.TargetSpeedup:0.##}x MACs{(r.Latency is null ? "" : "; latency: median ms")}");
        AnsiConsole.Write(t);
    }

    /// <summary>A line on what the latency model measured and one on the latency target's search.</summary>
    public static void PrintLatencyModel(PruneReport r)
    {
        if (r.LatencyModel is { } m)
        {
            string cache = m.CacheFile is null ? "no cache" : $"cache {m.CacheFile}";
            string failed = m.Failures is { Count: > 0 } f ? $"; {f.Count} group(s) could not be timed and keep plain widths" : "";
            AnsiConsole.MarkupLine(Markup.Escape($"latency model: {m.Groups.Count} groups, batch {m.Batch} on {m.Provider}: {m.WidthsMeasured} widths timed in {m.ProfilingSeconds:0.0} s, {m.WidthsReused} reused ({cache}){failed}"));
        }
        if (r.LatencyCheck is { Search: { Count: > 0 } steps } c)
            AnsiConsole.MarkupLine(Markup.Escape($"latency target {c.Required:0.##}x at batch {c.Batch}, candidates (MACs -> measured): " +
                string.Join(", ", steps.Select(s => $"{s.MacSpeedup:0.00}x -> {s.Measured:0.00}x"))));
    }

    private static string Abbreviate(IReadOnlyList<string> names) =>
        names.Count <= 2 ? string.Join(", ", names) : $"{names[0]}, {names[1]} +{names.Count - 2}";
}
