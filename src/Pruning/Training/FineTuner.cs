using System.Diagnostics;
using Spp.Graph;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>Plain training of a model for a number of steps (cosine decay to 0, spp-spec.md 5),
/// then BatchNorm recalibration: `sppc finetune`, and the fine-tuning phase after pruning.</summary>
public static class FineTuner
{
    public static Model Run(IKernels k, Model model, Model? teacher, DataSource train, DataSource? val, TrainingOptions o,
        long steps, List<CurvePoint> curve, IProgress<TrainProgress>? progress, CancellationToken cancel, string phase = "fine-tune")
    {
        var schedule = LearningRateSchedule.Cosine(o.Lr, Math.Max(1, steps), o.WarmupSteps);
        using var trainer = new Trainer(k, model, o, teacher, schedule);
        var data = new BatchIterator(train, o.Batch, o.Seed, o.Augmentation, dropLast: true);
        Loop(trainer, data, steps, phase, val, curve, progress, cancel, step => { });
        trainer.RecalibrateBatchNorm(new BatchIterator(train, o.Batch, o.Seed + 1, null, dropLast: true), 0);
        return trainer.Export();
    }

    /// <summary>The shared step loop: epochs of shuffled batches until <paramref name="steps"/> are
    /// done, with a callback before each step (pruning methods set gates there; returning is
    /// enough). Reports about 100 times per phase and evaluates on validation data at epoch ends.</summary>
    public static void Loop(Trainer trainer, BatchIterator data, long steps, string phase, DataSource? val, List<CurvePoint> curve,
        IProgress<TrainProgress>? progress, CancellationToken cancel, Action<long> beforeStep, Action<long>? afterBackward = null,
        Func<long, bool>? stop = null)
    {
        long step = 0;
        int epoch = 0;
        double lossSum = 0, correct = 0, seen = 0;
        var clock = Stopwatch.StartNew();
        long reportEvery = Math.Max(1, steps / 100);
        while (step < steps)
        {
            foreach (var batch in data.Epoch(epoch, cancel))
            {
                if (step >= steps || (stop?.Invoke(step) ?? false)) { steps = step; break; }
                cancel.ThrowIfCancellationRequested();
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
            }
            epoch++;
            if (val is not null && step < steps)
            {
                var (acc, loss) = trainer.Evaluate(val, trainer.Graph.Batch);
                curve.Add(new CurvePoint(phase, step, double.NaN, double.NaN, acc, loss));
            }
        }
    }
}
