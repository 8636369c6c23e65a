using Spectre.Console;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Cli.Options;
using Spp.Graph;
using Spp.Pruning.Data;
using Spp.Pruning.OneShot;

namespace Spp.Cli.Pipeline;

/// <summary>The main job without training data: analyse, allocate widths (fast ones, see
/// <see cref="WidthPlanning"/>), choose units by L1, rewrite, verify exactness, measure latency
/// against the original (with <c>--target latency</c>, prune further while it falls short), write,
/// measure accuracy with --val, report.</summary>
public static class PruneJob
{
    /// <summary>Allocations tried in all with --target latency when the written model measures short.</summary>
    private const int MaxRounds = 3;

    public static int Run(PruneOptions o)
    {
        if (JobStart.LoadOrCopy(o) is not { } model) return ExitCodes.Ok;

        // Validation data and the device are checked before any pruning work, so a typo fails fast.
        var modelInput = o.ValPath is null ? null : ModelInput.Of(model, o.Input);
        using var val = modelInput is null ? null : Evaluation.OpenLabeled(o.ValPath!, modelInput, (o.Data ?? PreprocessingFlags.None).For(modelInput));
        var settings = (o.Runtime ?? RuntimeChoice.Default).Resolve();

        var (unshared, analysis) = L1Pruner.Prepare(model);
        var planning = new WidthPlanning(o, unshared, analysis, settings);
        var allocation = planning.Plan();
        PruneReport report;
        Model pruned;
        LatencyCheck check;
        for (int round = 1; ; round++)
        {
            var result = L1Pruner.Prune(unshared, analysis, allocation, o.L1ProducerOnly);
            pruned = result.Pruned;
            var exact = ExactnessCheck.Run(result.MaskedOriginal, pruned);
            report = Reporting.Build(o, model, pruned, analysis, result.Plan, allocation, exact) with { LatencyModel = planning.Figures(allocation) };
            if (!exact.Passed)
            {
                Reporting.PrintSummary(report);
                AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
                return ExitCodes.CheckFailed;
            }
            var latency = SlimChecks.Latency(o.Input, model, o.Output, pruned, settings, o.Batch, planning.LatencyTarget);
            check = SlimChecks.Check(latency, o, round, planning.SearchSteps);
            report = report with { Latency = latency, LatencyCheck = check };
            if (check.Met || !planning.LatencyTarget || round == MaxRounds) break;
            AnsiConsole.MarkupLine($"latency target: the written model measured {check.Measured:0.00}x at batch {o.Batch}, short of {o.Speedup:0.##}x; pruning further");
            if (planning.Tighten(check.Measured, out string? why) is not { } tighter)
            {
                AnsiConsole.MarkupLine($"latency target: no further pruning: {Markup.Escape(why ?? "")}; keeping this model");
                break;
            }
            allocation = tighter;
        }
        ModelFiles.Save(pruned, o.Output);

        if (val is not null) report = report with { Accuracy = SlimChecks.Accuracy(o.Input, model, o.Output, pruned, modelInput!, val, settings, o.Batch) };
        Reporting.PrintSummary(report);
        AnsiConsole.MarkupLine($"ONNX Runtime provider {Markup.Escape(settings.Provider?.ToString() ?? "CPU")}");
        Reporting.PrintLatencyModel(report);
        SlimChecks.WarnIfNotFaster(report.Latency!, check, report.LatencyModel is not null);

        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        if (o.HtmlPath is not null) AtomicFile.WriteText(o.HtmlPath, HtmlReport.Render(report));
        var written = new[] { o.Output, o.ReportPath, o.HtmlPath }.OfType<string>().Select(Markup.Escape);
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(o.Output)}[/]{string.Concat(written.Skip(1).Select(p => $", {p}"))}");
        return planning.LatencyTarget && !check.Met ? ExitCodes.CheckFailed : ExitCodes.Ok;
    }
}
