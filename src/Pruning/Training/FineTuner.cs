using System.Diagnostics;
using Spp.Graph;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>Plain training of a model for a number of steps (cosine decay to 0, spp-spec.md 5),
/// then BatchNorm recalibration: `sppc finetune`, and the fine-tuning phase after pruning. With
/// <c>checkpoints</c> it saves at step boundaries and continues a saved run of the same phase.</summary>
public static class FineTuner
{
    /// <summary>The phase name in progress reports, curves and checkpoints.</summary>
    public const string Phase = "fine-tune";

    public static Model Run(IKernels k, Model model, Model? teacher, DataSource train, DataSource? val, TrainingOptions o,
        long steps, List<CurvePoint> curve, IProgress<TrainProgress>? progress, CancellationToken cancel, string phase = Phase,
        CheckpointSession? checkpoints = null)
    {
        var schedule = LearningRateSchedule.Cosine(o.Lr, Math.Max(1, steps), o.WarmupSteps);
        using var trainer = new Trainer(k, model, o, teacher, schedule);
        var data = new BatchIterator(train, o.Batch, o.Seed, o.Augmentation, dropLast: true);
        LoopPosition? from = checkpoints?.Resume is { } saved && saved.Phase == phase ? PhaseSnapshot.Restore(saved, trainer, curve, null, null) : null;
        Loop(trainer, data, steps, phase, val, curve, progress, cancel, step => { },
            from: from, atBoundary: checkpoints is null ? null : b => checkpoints.AtBoundary(b, () => PhaseSnapshot.Capture(b, trainer, curve, null)));
        trainer.RecalibrateBatchNorm(new BatchIterator(train, o.Batch, o.Seed + 1, null, dropLast: true), 0);
        return trainer.Export();
    }

    /// <summary>The shared step loop: epochs of shuffled batches until <paramref name="steps"/> are
    /// done, with a callback before each step (pruning methods set gates there; returning is
    /// enough). Reports about 100 times per phase and evaluates on validation data at epoch ends.
    /// At every step boundary (before <paramref name="stop"/> is asked about the next step, so that
    /// a checkpoint holds the state before any update of that step) <paramref name="atBoundary"/> may
    /// save or interrupt the run; <paramref name="from"/> continues a run saved at such a boundary.</summary>
    public static void Loop(Trainer trainer, BatchIterator data, long steps, string phase, DataSource? val, List<CurvePoint> curve,
        IProgress<TrainProgress>? progress, CancellationToken cancel, Action<long> beforeStep, Action<long>? afterBackward = null,
        Func<long, bool>? stop = null, LoopPosition? from = null, Action<StepBoundary>? atBoundary = null)
    {
        var start = from ?? LoopPosition.Start;
        long step = start.Step;
        double lossSum = start.LossSum, correct = start.Correct, seen = start.Seen;
        long perEpoch = data.BatchesPerEpoch;
        if (perEpoch == 0) throw new TrainingException($"{steps} steps asked of data with no full batch");
        bool resumed = from is not null;
        var clock = Stopwatch.StartNew();
        long reportEvery = Math.Max(1, steps / 100);

        // True when the phase is over: budget spent, or the method has nothing left to do.
        bool Boundary()
        {
            atBoundary?.Invoke(new StepBoundary(phase, new LoopPosition(step, lossSum, correct, seen), steps, resumed, step % perEpoch == 0));
            resumed = false;
            cancel.ThrowIfCancellationRequested();
            return step >= steps || (stop?.Invoke(step) ?? false);
        }

        if (Boundary()) return;
        for (int epoch = (int)(step / perEpoch), first = (int)(step % perEpoch); ; epoch++, first = 0)
        {
            foreach (var batch in data.Epoch(epoch, firstBatch: first))
            {
                beforeStep(step);
                var r = trainer.Forward(batch);
                afterBackward?.Invoke(step);
                trainer.Update();
                lossSum += r.Loss * r.Count;
                correct += r.Correct;
                seen += r.Count;
                step++;
                if (step % reportEvery == 0 || step == steps)
                {
                    progress?.Report(new TrainProgress(phase, step, steps, lossSum / seen, correct / seen, trainer.CurrentLr, seen / clock.Elapsed.TotalSeconds));
                    curve.Add(new CurvePoint(phase, step, lossSum / seen, correct / seen, null, null));
                    lossSum = correct = seen = 0;
                    clock.Restart();
                }
                if (step % perEpoch == 0 && val is not null && step < steps)
                {
                    var (acc, loss) = trainer.Evaluate(val, trainer.Graph.Batch);
                    curve.Add(new CurvePoint(phase, step, double.NaN, double.NaN, acc, loss));
                }
                if (Boundary()) return;
            }
        }
    }
}
