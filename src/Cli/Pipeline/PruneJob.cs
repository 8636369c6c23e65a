using Spectre.Console;
using Spp.Backend.Onnx;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Cli.Options;
using Spp.Graph;
using Spp.Pruning.Allocation;
using Spp.Pruning.Data;
using Spp.Pruning.OneShot;

namespace Spp.Cli.Pipeline;

/// <summary>The main job without training data: analyse, allocate widths, choose units by L1,
/// rewrite, verify exactness, write, measure latency (and accuracy with --val), report.</summary>
public static class PruneJob
{
    public static int Run(PruneOptions o)
    {
        if (JobStart.LoadOrCopy(o) is not { } model) return ExitCodes.Ok;

        // Validation data and the device are checked before any pruning work, so a typo fails fast.
        var modelInput = o.ValPath is null ? null : ModelInput.Of(model, o.Input);
        using var val = modelInput is null ? null : Evaluation.OpenLabeled(o.ValPath!, modelInput, (o.Data ?? PreprocessingFlags.None).For(modelInput));
        var settings = (o.Runtime ?? RuntimeChoice.Default).Resolve();

        PruneResult result;
        try
        {
            result = L1Pruner.Prune(model, o.Allocation, o.L1ProducerOnly);
        }
        catch (UnreachableSpeedupException e)
        {
            throw JobStart.Unreachable(o, e);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--groups: {e.Message}");
        }
        var (pruned, masked) = (result.Pruned, result.MaskedOriginal);
        var exact = ExactnessCheck.Run(masked, pruned);
        var report = Reporting.Build(o, model, pruned, result.Analysis, result.Plan, result.Allocation, exact);

        if (!exact.Passed)
        {
            Reporting.PrintSummary(report);
            AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
            return ExitCodes.CheckFailed;
        }
        ModelFiles.Save(pruned, o.Output);

        report = report with { Latency = SlimChecks.Latency(o.Input, model, o.Output, pruned, settings, o.Batch) };
        if (val is not null) report = report with { Accuracy = SlimChecks.Accuracy(o.Input, model, o.Output, pruned, modelInput!, val, settings, o.Batch) };
        Reporting.PrintSummary(report);
        AnsiConsole.MarkupLine($"ONNX Runtime provider {Markup.Escape(settings.Provider?.ToString() ?? "CPU")}");
        SlimChecks.WarnIfNotFaster(report.Latency, o.Batch);

        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        if (o.HtmlPath is not null) AtomicFile.WriteText(o.HtmlPath, HtmlReport.Render(report));
        var written = new[] { o.Output, o.ReportPath, o.HtmlPath }.OfType<string>().Select(Markup.Escape);
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(o.Output)}[/]{string.Concat(written.Skip(1).Select(p => $", {p}"))}");
        return ExitCodes.Ok;
    }
}
