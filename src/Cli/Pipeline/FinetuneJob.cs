using Spectre.Console;
using Spp.Cli.Options;
using Spp.Graph.Channels;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>What <c>sppc finetune</c> was asked to do, as parsed from the command line.</summary>
public sealed record FinetuneOptions(string Input, string Output, string DataPath, string? ValPath, string Device,
    PreprocessingFlags Data, CheckpointChoice Checkpoint);

/// <summary><c>sppc finetune</c>: training alone on the engine (cosine schedule, BatchNorm statistics
/// recalibrated and written back), resumable from its checkpoint; the model is written only at the end.</summary>
public static class FinetuneJob
{
    /// <param name="observer">Sees every progress report too (the caller's own view of the run).</param>
    public static int Run(FinetuneOptions o, TrainingOptions t, CancellationToken cancel, IProgress<TrainProgress>? observer = null)
    {
        ModelFiles.CheckOutput(o.Input, o.Output);
        var ir = ModelFiles.Load(o.Input);
        var input = ModelInput.Of(ir, o.Input);
        var pre = o.Data.For(input);
        using var train = TrainingData.Open(o.DataPath, input, pre);
        using var valSource = o.ValPath is { } v ? Evaluation.OpenLabeled(v, input, pre) : null;
        t = TrainingData.Fit(t, train, o.DataPath);
        var backend = TrainingData.Kernels(o.Device);
        using var kernels = backend.Kernels;
        var unshared = ir.CloneWithGraph(ConstantUnsharing.Apply(ir.Graph).Graph);
        long steps = (long)Math.Floor(t.Epochs * (train.Count / t.Batch));
        var checkpoints = RunCheckpoints.Open(o.Checkpoint, CheckpointKeys.For("finetune", o.Input, ir, train, valSource, t, pre, kernels), cancel);
        AnsiConsole.MarkupLine($"training on [bold]{Markup.Escape(backend.Description)}[/]: {steps} steps of {t.Batch}");
        var curve = new List<CurvePoint>();
        Spp.Graph.Model trained = null!;
        try
        {
            TrainingProgress.Run(p => trained = FineTuner.Run(kernels, unshared, t.DistillLabelWeight < 1 ? unshared : null, train, valSource, t, steps, curve, p,
                cancel, checkpoints: checkpoints), observer);
        }
        catch (CheckpointFormatException e) when (checkpoints is not null)
        {
            throw RunCheckpoints.DoesNotFit(checkpoints, e);
        }
        // Stopped while BatchNorm was recalibrated: the checkpoint of the last step finishes it.
        if (cancel.IsCancellationRequested) throw new TrainingInterruptedException(FineTuner.Phase, steps, steps, checkpoints?.Path);
        ModelFiles.Save(trained, o.Output);
        checkpoints?.Complete();
        foreach (var point in curve.Where(c => c.ValAccuracy is not null))
            AnsiConsole.MarkupLine($"step {point.Step}: validation top-1 {point.ValAccuracy:P2}");
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(o.Output)}[/]");
        return ExitCodes.Ok;
    }
}
