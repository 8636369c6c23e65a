namespace Spp.Pruning.Checkpoints;

/// <summary>Training stopped at a step boundary because it was asked to (Ctrl-C, a termination
/// signal, a cancelled token). <see cref="CheckpointPath"/> holds the state to continue from, or is
/// null when none could be saved.</summary>
public sealed class TrainingInterruptedException(string phase, long step, long totalSteps, string? checkpointPath)
    : OperationCanceledException($"interrupted in {phase} at step {step} of {totalSteps}")
{
    public string Phase { get; } = phase;
    public long Step { get; } = step;
    public long TotalSteps { get; } = totalSteps;
    public string? CheckpointPath { get; } = checkpointPath;
}
