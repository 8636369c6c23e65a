using Spectre.Console;
using Spp.Backend.Reports;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.Checkpoints;
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
/// Training is resumable (<see cref="TrainPruneRun"/>); nothing is written until every check is done,
/// and the checkpoint is deleted once the outputs are.
/// </summary>
public static class TrainPruneJob
{
    /// <param name="observer">Sees every progress report too (the caller's own view of the run).</param>
    public static int Run(PruneOptions o, TrainingOptions t, string dataPath, string device, CancellationToken cancel, IProgress<TrainProgress>? observer = null)
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
        long pruneBudget = o.Method == "l1" ? 0 : (long)Math.Floor(o.PruneShare * t.Epochs * stepsPerEpoch);
        IPruningMethod method = o.Method switch
        {
            "spp" => SppFor(o, pruneBudget, analysis, targets),
            "taylor" => new TaylorMethod(),
            "increg" => new IncRegMethod(aReg: t.WeightDecay, lambdaTarget: 1e4 * t.WeightDecay),
            _ => new L1Method(o.L1ProducerOnly),
        };

        var checkpoints = RunCheckpoints.Open(o.Checkpoint, CheckpointKeys.For("prune", o.Input, model, train, val, t, pre, backend.Kernels, KeyOf(o, targets)), cancel);
        AnsiConsole.MarkupLine($"training on [bold]{Markup.Escape(backend.Description)}[/]; {train.Count:N0} samples, {stepsPerEpoch} steps per epoch, {total} steps in all");
        var run = new TrainPruneRun(backend.Kernels, unshared, analysis, targets, method, train, val, t, pruneBudget, total);
        TrainPruneOutcome outcome = null!;
        TrainingProgress.Run(progress => outcome = run.Run(progress, cancel, checkpoints), observer);
        var (phase, exact) = (outcome.Phase, outcome.Phase.Exactness);
        if (outcome.Final is not { } final)
        {
            checkpoints?.Complete();    // the run is over: re-running it would fail the same way
            AnsiConsole.MarkupLine($"[red]exactness check failed[/]: relative difference {exact.RelativeDiff:E2} > {exact.Tolerance:E0}; nothing written");
            return ExitCodes.CheckFailed;
        }

        var latency = SlimChecks.Latency(o.Input, model, o.Output, final, settings, o.Batch, planning.LatencyTarget);
        // No second allocation here when a latency target falls short: that would mean training again.
        var check = SlimChecks.Check(latency, o, 1, planning.SearchSteps);
        var report = Reporting.Build(o, model, final, outcome.Analysis, outcome.Plan, allocation, exact) with
        {
            Latency = latency,
            LatencyModel = planning.Figures(allocation),
            LatencyCheck = check,
            // Fine-tuning counts its steps from 0: place them after the pruning phase's.
            Training = run.Curve.Select(p => new TrainingPoint((double)(p.Step + (p.Phase == o.Method ? 0 : phase.StepsUsed)) / stepsPerEpoch,
                Nan(p.TrainLoss), Nan(p.TrainAccuracy), p.ValLoss, p.ValAccuracy)).ToList(),
            Probabilities = phase.Trajectories.SelectMany(tr => tr.Values.Select((v, u) => (tr.Group, Unit: u, tr.Step, v)))
                .GroupBy(x => (x.Group, x.Unit)).Take(24)
                .Select(g => new ProbabilityTrajectory(g.Key.Group, g.Key.Unit, g.Select(x => (double)x.Step).ToList(), g.Select(x => x.v).ToList())).ToList(),
        };
        if (val is not null) report = report with { Accuracy = SlimChecks.Accuracy(o.Input, model, o.Output, final, modelInput, val, settings, o.Batch) };
        // Stopped after training: the checkpoint of its last step lets a re-run go straight to writing.
        if (cancel.IsCancellationRequested) throw new TrainingInterruptedException("the final checks", total, total, checkpoints?.Path);

        ModelFiles.Save(final, o.Output);
        if (o.ReportPath is not null) AtomicFile.WriteText(o.ReportPath, report.ToJson());
        if (o.HtmlPath is not null) AtomicFile.WriteText(o.HtmlPath, HtmlReport.Render(report));
        checkpoints?.Complete();
        Reporting.PrintSummary(report);
        if (phase.ValAccuracyMasked is double a) AnsiConsole.MarkupLine($"accuracy after pruning, before fine-tuning: {a:P2}");
        Reporting.PrintLatencyModel(report);
        SlimChecks.WarnIfNotFaster(latency, check, report.LatencyModel is not null);
        var written = new[] { o.Output, o.ReportPath, o.HtmlPath }.OfType<string>().Select(Markup.Escape);
        AnsiConsole.MarkupLine($"wrote [bold]{string.Join(", ", written)}[/]");
        return planning.LatencyTarget && !check.Met ? ExitCodes.CheckFailed : ExitCodes.Ok;
    }

    /// <summary>The pruning flags a checkpoint of this job depends on (output paths and ONNX Runtime
    /// settings only change what is measured and where it is written), and the widths allocated: with
    /// the latency model they come from timings, which a re-run with a cold cache may measure otherwise.</summary>
    private static object KeyOf(PruneOptions o, IReadOnlyDictionary<int, int> removed) => new
    {
        o.Speedup, o.Method, o.RoundTo, o.MinKeep, o.L1ProducerOnly, o.Batch, o.Ratio, o.Overrides, o.SppInterval, o.ImportanceEma, o.PruneShare,
        Removed = removed.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}").ToList(),
    };

    private static double? Nan(double v) => double.IsNaN(v) ? null : v;

    private static SppMethod SppFor(PruneOptions o, long pruneBudget, ChannelAnalysis analysis, IReadOnlyDictionary<int, int> targets)
    {
        int widest = analysis.PrunableGroups.Where(g => targets[g.Id] > 0).Select(g => g.Width).DefaultIfEmpty(1).Max();
        var s = SppSchedule.For(pruneBudget, widest, interval: o.SppInterval);
        return new SppMethod(s.Interval, s.MaxUpdates, emaDecay: o.ImportanceEma);
    }
}
