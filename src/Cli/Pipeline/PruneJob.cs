using Spectre.Console;
using Spp.Backend.Onnx;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;

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
            ModelFiles.Save(model, o.Output);
            Console.Out.WriteLine($"wrote {o.Output} (unchanged, --speedup 1)");
            return ExitCodes.Ok;
        }

        PruneResult result;
        try
        {
            result = L1Pruner.Prune(model, new AllocationOptions(o.Speedup, o.MinKeep, o.RoundTo), o.L1ProducerOnly);
        }
        catch (UnreachableSpeedupException e)
        {
            throw new UsageException(e.ReachableSpeedup <= 1
                ? $"{o.Input}: nothing to prune: {e.Message}"
                : $"--speedup {o.Speedup}: {e.Message}");
        }
        var (pruned, masked) = (result.Pruned, result.MaskedOriginal);
        var exact = ExactnessCheck.Run(masked, pruned);
        var report = Reporting.Build(o, model, pruned, result.Analysis, result.Plan, result.Allocation, exact);

        Reporting.PrintSummary(report);
        if (!exact.Passed)
        {
            AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
            return ExitCodes.CheckFailed;
        }
        ModelFiles.Save(pruned, o.Output);
        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(o.Output)}[/]{(o.ReportPath is null ? "" : $" and {Markup.Escape(o.ReportPath)}")}");
        return ExitCodes.Ok;
    }
}
