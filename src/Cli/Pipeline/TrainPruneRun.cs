using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Methods;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>What the pruning phase leaves for the rest of the job. Fine-tuning checkpoints keep it,
/// so that a run resumed there neither repeats the phase nor needs its full-width model.</summary>
public sealed record PrunedPhase(Dictionary<int, int[]> Removed, long StepsUsed, double? ValAccuracyMasked,
    List<MethodTrace> Trajectories, ExactnessReport Exactness)
{
    public PruningPlan Plan() => PlanOf(Removed);

    /// <summary>The plan in one canonical order (by group id), whichever order it was chosen in.</summary>
    public static PruningPlan PlanOf(IReadOnlyDictionary<int, int[]> removed)
    {
        var plan = new PruningPlan();
        foreach (var (g, units) in removed.OrderBy(kv => kv.Key)) if (units.Length > 0) plan.Remove(g, units);
        return plan;
    }
}

/// <summary>The outcome of the training part: the fine-tuned smaller model (null when the rewrite
/// failed its exactness check), the analysis the plan refers to, and the pruning phase's record.</summary>
public sealed record TrainPruneOutcome(Model? Final, ChannelAnalysis Analysis, PruningPlan Plan, PrunedPhase Phase);

/// <summary>
/// The training part of the main job (spp-spec.md 5): prune while training, rewrite and check the
/// rewrite for exactness, fine-tune the smaller model for the rest of the budget. Resumable in either
/// phase: in fine-tuning the smaller model is rebuilt from the original's structure and the saved
/// plan (the rewrite depends on nothing else), and its weights, momentum and statistics come from the
/// checkpoint.
/// </summary>
public sealed class TrainPruneRun(IKernels kernels, Model unshared, ChannelAnalysis analysis, IReadOnlyDictionary<int, int> targets,
    IPruningMethod method, DataSource train, DataSource? val, TrainingOptions options, long pruneBudget, long totalSteps)
{
    public List<CurvePoint> Curve { get; } = [];

    public TrainPruneOutcome Run(IProgress<TrainProgress>? progress, CancellationToken cancel, CheckpointSession? checkpoints)
    {
        try
        {
            return RunPhases(progress, cancel, checkpoints);
        }
        catch (CheckpointFormatException e) when (checkpoints is not null)
        {
            throw RunCheckpoints.DoesNotFit(checkpoints, e);
        }
    }

    private TrainPruneOutcome RunPhases(IProgress<TrainProgress>? progress, CancellationToken cancel, CheckpointSession? checkpoints)
    {
        PrunedPhase phase;
        ChannelAnalysis phaseAnalysis;
        Model pruned;
        if (checkpoints?.Resume is { Phase: FineTuner.Phase } saved)
        {
            phase = CheckpointJson.FromNode<PrunedPhase>(saved.Values["job"], "pruning outcome");
            phaseAnalysis = analysis;
            pruned = unshared.CloneWithGraph(GraphPruner.Prune(analysis, phase.Plan()));
        }
        else
        {
            var r = PruneTrainer.Run(kernels, unshared, targets, method, train, val, options, pruneBudget, Curve, progress, cancel, checkpoints);
            phaseAnalysis = r.Analysis;
            var removed = r.Plan.Removed.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
            // The rewrite takes the plan as a resumed run rebuilds it, so both give the same model.
            var plan = PrunedPhase.PlanOf(removed);
            pruned = unshared.CloneWithGraph(GraphPruner.Prune(r.Analysis, plan));
            var masked = unshared.CloneWithGraph(GraphPruner.MaskOriginal(r.Analysis, plan));
            var exact = ExactnessCheck.Run(masked, pruned);
            phase = new PrunedPhase(removed, r.StepsUsed, r.ValAccuracyMasked, r.Trajectories.ToList(), exact);
            if (!exact.Passed) return new TrainPruneOutcome(null, phaseAnalysis, plan, phase);
        }
        if (checkpoints is not null)
        {
            var record = CheckpointJson.ToNode(phase);
            checkpoints.JobState = () => record.DeepClone();
        }
        var final = FineTuner.Run(kernels, pruned, options.DistillLabelWeight < 1 ? unshared : null, train, val, options,
            Math.Max(0, totalSteps - phase.StepsUsed), Curve, progress, cancel, checkpoints: checkpoints);
        return new TrainPruneOutcome(final, phaseAnalysis, phase.Plan(), phase);
    }
}
