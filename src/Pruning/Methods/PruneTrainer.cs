using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Training;

namespace Spp.Pruning.Methods;

/// <summary>The outcome of the pruning phase: the trained full-width model, the analysis of it, the
/// plan (removed units), and what happened on the way.</summary>
public sealed record PrunePhaseResult(Model Trained, ChannelAnalysis Analysis, PruningPlan Plan, long StepsUsed,
    double? ValAccuracyMasked, IReadOnlyList<MethodTrace> Trajectories);

/// <summary>
/// Phase 1 of spp-spec.md 5: train the full model while the method decides which units go, within the
/// pruning budget (half the steps; none for one-shot l1); then FINALIZE, fix the masks (removed units
/// gated off), recalibrate BatchNorm, and export the model whose masked original the rewrite must equal.
/// With <c>checkpoints</c> the loop saves at step boundaries and continues a saved run of this phase.
/// </summary>
public static class PruneTrainer
{
    public static PrunePhaseResult Run(IKernels k, Model model, IReadOnlyDictionary<int, int> targets, IPruningMethod method,
        DataSource train, DataSource? val, TrainingOptions o, long budget, List<CurvePoint> curve,
        IProgress<TrainProgress>? progress, CancellationToken cancel, CheckpointSession? checkpoints = null)
    {
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var groups = analysis.PrunableGroups.Where(g => targets.GetValueOrDefault(g.Id) > 0).ToList();
        var schedule = LearningRateSchedule.Constant(o.Lr, o.WarmupSteps);
        using var trainer = new Trainer(k, model, o, teacher: o.DistillLabelWeight < 1 ? model : null, schedule);
        using var gates = new ChannelGates(analysis, trainer.Graph, groups);
        var ctx = new PruneContext(analysis, groups.ToDictionary(g => g.Id, g => targets[g.Id]), gates, trainer, o.Seed);

        var data = new BatchIterator(train, o.Batch, o.Seed, o.Augmentation, dropLast: true);
        LoopPosition? from = checkpoints?.Resume is { } saved && saved.Phase == method.Name ? PhaseSnapshot.Restore(saved, trainer, curve, method, ctx) : null;
        bool running = budget > 0;
        if (running)
            // No validation inside this phase: the gates hold sampled masks then, and spp-spec 3.6
            // evaluates the deterministic ones (done below, after FINALIZE).
            FineTuner.Loop(trainer, data, budget, method.Name, val: null, curve, progress, cancel,
                beforeStep: _ => { },
                afterBackward: step => method.AfterBackward(step, ctx),
                stop: step =>
                {
                    // The method updates its state and sets the gates for this step, or says it is done.
                    running = method.BeforeStep(step, ctx);
                    return !running;
                },
                from, checkpoints is null ? null : b => checkpoints.AtBoundary(b, () => PhaseSnapshot.Capture(b, trainer, curve, method)));
        var removed = method.Finish(ctx);
        var plan = new PruningPlan();
        foreach (var (g, units) in removed) if (units.Count > 0) plan.Remove(g, units);
        gates.Set(ctx.MasksWithout(removed.ToDictionary(kv => kv.Key, kv => (IEnumerable<int>)kv.Value)));
        trainer.RecalibrateBatchNorm(new BatchIterator(train, o.Batch, o.Seed + 1, null, dropLast: true), 0);
        double? acc = null;
        if (val is not null)
        {
            var (a, loss) = trainer.Evaluate(val, o.Batch);
            acc = a;
            curve.Add(new CurvePoint(method.Name, trainer.Steps, double.NaN, double.NaN, a, loss));
        }
        var trained = trainer.Export();
        return new PrunePhaseResult(trained, ChannelAnalysis.Run(trained.Graph, trained.OnnxOpset), plan, trainer.Steps, acc, method.Trajectories);
    }
}
