namespace Spp.Pruning.Training;

/// <summary>Where a phase's step loop stands between two steps: the next step, and the running sums of
/// the reporting window in progress (so that a resumed run reports the same curve). Epoch and batch
/// follow from the step; every random draw is keyed by step, epoch or batch, so this is all the loop
/// itself needs to continue exactly.</summary>
public sealed record LoopPosition(long Step, double LossSum, double Correct, double Seen)
{
    public static readonly LoopPosition Start = new(0, 0, 0, 0);
}

/// <summary>A step boundary as the loop reports it to checkpointing: <paramref name="Resumed"/> for
/// the position a run was just resumed at (already saved), <paramref name="EpochStart"/> when the next
/// step opens an epoch.</summary>
public readonly record struct StepBoundary(string Phase, LoopPosition Position, long TotalSteps, bool Resumed, bool EpochStart)
{
    public bool IsLast => Position.Step >= TotalSteps;
}
