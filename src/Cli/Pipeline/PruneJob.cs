using Spectre.Console;
using Spp.Backend.Onnx;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.Criteria;

namespace Spp.Cli.Pipeline;

/// <summary>The main job without training data: analyse, allocate widths, choose units by L1,
/// rewrite, verify exactness, write, report.</summary>
public static class PruneJob
{
    public static int Run(PruneOptions o)
    {
        ModelFiles.CheckOutput(o.Input, o.Output);
        if (o.ReportPath is not null) ModelFiles.CheckOutput(o.Input, o.ReportPath);
        var model = ModelFiles.Load(o.Input);
        if (o.Speedup == 1)
        {
            OnnxWriter.Write(model, o.Output);
            Console.Out.WriteLine($"wrote {o.Output} (unchanged, --speedup 1)");
            return ExitCodes.Ok;
        }

        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        if (!analysis.PrunableGroups.Any())
            throw new UsageException($"{o.Input}: nothing to prune: every channel group is locked ({analysis.Groups.FirstOrDefault()?.LockReasons.FirstOrDefault() ?? "no channel groups"})");
        WidthAllocation allocation;
        try
        {
            allocation = new UniformAllocator(analysis).Allocate(new AllocationOptions(o.Speedup, o.MinKeep, o.RoundTo));
        }
        catch (UnreachableSpeedupException e)
        {
            throw new UsageException($"--speedup {o.Speedup}: {e.Message}");
        }

        var plan = new PruningPlan();
        foreach (var g in analysis.PrunableGroups)
        {
            int remove = allocation.RemovedUnits(g);
            if (remove > 0) plan.Remove(g.Id, L1Importance.Smallest(L1Importance.Of(analysis, g, o.L1ProducerOnly), remove));
        }

        var pruned = model.CloneWithGraph(GraphPruner.Prune(analysis, plan));
        var masked = model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, plan));
        var exact = ExactnessCheck.Run(masked, pruned);
        var report = Reporting.Build(o, model, pruned, analysis, plan, allocation, exact);

        Reporting.PrintSummary(report);
        if (!exact.Passed)
        {
            AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
            return ExitCodes.CheckFailed;
        }
        OnnxWriter.Write(pruned, o.Output);
        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(o.Output)}[/]{(o.ReportPath is null ? "" : $" and {Markup.Escape(o.ReportPath)}")}");
        return ExitCodes.Ok;
    }
}
