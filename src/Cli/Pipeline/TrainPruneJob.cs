using Spectre.Console;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Methods;
using Spp.Pruning.OneShot;
using Spp.Pruning.Spp;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>
/// The main job with training data (spp-spec.md 5): allocate widths, prune while training with the
/// chosen method, rewrite and check exactness, fine-tune the smaller model for the rest of the
/// budget, recalibrate BatchNorm, then measure accuracy and latency with ONNX Runtime and write.
/// </summary>
public static class TrainPruneJob
{
    public static int Run(PruneOptions o, TrainingOptions t, string dataPath, string device, CancellationToken cancel)
    {
        if (JobStart.LoadOrCopy(o) is not { } model) return ExitCodes.Ok;

        var modelInput = ModelInput.Of(model, o.Input);
        var pre = (o.Data ?? Options.PreprocessingFlags.None).For(modelInput);
        using var train = TrainingData.Open(dataPath, modelInput, pre);
        using var val = o.ValPath is null ? null : Evaluation.OpenLabeled(o.ValPath, modelInput, pre);
        t = TrainingData.Fit(t, train, dataPath);
        var settings = (o.Runtime ?? Options.RuntimeChoice.Default).Resolve();
        var backend = TrainingData.Kernels(device);
        using var kernelsLifetime = backend.Kernels;

        // Widths from the speedup, on the model with private constants (exporters share them). With
        // --target latency they are searched (and measured) here: time depends on widths, not weights.
        var (unshared, analysis) = L1Pruner.Prepare(model);
        var planning = new WidthPlanning(o, unshared, analysis, settings);
        var allocation = planning.Plan();
        var targets = analysis.PrunableGroups.ToDictionary(g => g.Id, allocation.RemovedUnits);

        long stepsPerEpoch = train.Count / t.Batch;
        long total = (long)Math.Floor(t.Epochs * stepsPerEpoch);
        long pruneBudget = o.Method == "l1" ? 0 : (long)Math.Floor(0.5 * t.Epochs * stepsPerEpoch);
        IPruningMethod method = o.Method switch
        {
            "spp" => SppFor(o, t, stepsPerEpoch, analysis, targets),
            "taylor" => new TaylorMethod(),
            "increg" => new IncRegMethod(aReg: t.WeightDecay, lambdaTarget: 1e4 * t.WeightDecay),
            _ => new L1Method(o.L1ProducerOnly),
        };

        var curve = new List<CurvePoint>();
        AnsiConsole.MarkupLine($"training on [bold]{Markup.Escape(backend.Description)}[/]; {train.Count:N0} samples, {stepsPerEpoch} steps per epoch, {total} steps in all");
        PrunePhaseResult phase = null!;
        Model final = null!;
        ExactnessReport exact = null!;
        Model pruned = null!;
        int code = ExitCodes.Ok;
        TrainingProgress.Run(progress =>
        {
            phase = PruneTrainer.Run(backend.Kernels, unshared, targets, method, train, val, t, pruneBudget, curve, progress, cancel);
            pruned = unshared.CloneWithGraph(GraphPruner.Prune(phase.Analysis, phase.Plan));
            var masked = unshared.CloneWithGraph(GraphPruner.MaskOriginal(phase.Analysis, phase.Plan));
            exact = ExactnessCheck.Run(masked, pruned);
            if (!exact.Passed) { code = ExitCodes.CheckFailed; return; }
            final = FineTuner.Run(backend.Kernels, pruned, t.DistillLabelWeight < 1 ? unshared : null, train, val, t,
                Math.Max(0, total - phase.StepsUsed), curve, progress, cancel);
        });
        if (code != ExitCodes.Ok)
        {
            AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
            return code;
        }

        ModelFiles.Save(final, o.Output);
        var plan = phase.Plan;
        var latency = SlimChecks.Latency(o.Input, model, o.Output, final, settings, o.Batch, planning.LatencyTarget);
        // No second allocation here when a latency target falls short: that would mean training again.
        var check = SlimChecks.Check(latency, o, 1, planning.SearchSteps);
        var report = Reporting.Build(o, model, final, phase.Analysis, plan, allocation, exact) with
        {
            Latency = latency,
            LatencyModel = planning.Figures(allocation),
            LatencyCheck = check,
            // Fine-tuning counts its steps from 0: place them after the pruning phase's.
            Training = curve.Select(p => new TrainingPoint((double)(p.Step + (p.Phase == o.Method ? 0 : phase.StepsUsed)) / stepsPerEpoch,
                Nan(p.TrainLoss), Nan(p.TrainAccuracy), p.ValLoss, p.ValAccuracy)).ToList(),
            Probabilities = phase.Trajectories.SelectMany(tr => tr.Values.Select((v, u) => (tr.Group, Unit: u, tr.Step, v)))
                .GroupBy(x => (x.Group, x.Unit)).Take(24)
                .Select(g => new ProbabilityTrajectory(g.Key.Group, g.Key.Unit, g.Select(x => (double)x.Step).ToList(), g.Select(x => x.v).ToList())).ToList(),
        };
        if (val is not null) report = report with { Accuracy = SlimChecks.Accuracy(o.Input, model, o.Output, final, modelInput, val, settings, o.Batch) };
        Reporting.PrintSummary(report);
        if (phase.ValAccuracyMasked is double a) AnsiConsole.MarkupLine($"accuracy after pruning, before fine-tuning: {a:P2}");
        Reporting.PrintLatencyModel(report);
        SlimChecks.WarnIfNotFaster(latency, check, report.LatencyModel is not null);
        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        if (o.HtmlPath is not null) AtomicFile.WriteText(o.HtmlPath, HtmlReport.Render(report));
        var written = new[] { o.Output, o.ReportPath, o.HtmlPath }.OfType<string>().Select(Markup.Escape);
        AnsiConsole.MarkupLine($"wrote [bold]{string.Join(", ", written)}[/]");
        return planning.LatencyTarget && !check.Met ? ExitCodes.CheckFailed : ExitCodes.Ok;
    }

    private static double? Nan(double v) => double.IsNaN(v) ? null : v;

    private static SppMethod SppFor(PruneOptions o, TrainingOptions t, long stepsPerEpoch, ChannelAnalysis analysis, IReadOnlyDictionary<int, int> targets)
    {
        int widest = analysis.PrunableGroups.Where(g => targets[g.Id] > 0).Select(g => g.Width).DefaultIfEmpty(1).Max();
        var s = SppSchedule.For(t.Epochs, stepsPerEpoch, widest, interval: o.SppInterval);
        return new SppMethod(s.Interval, s.MaxUpdates, emaDecay: o.ImportanceEma);
    }
}
