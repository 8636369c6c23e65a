namespace Spp.Pruning.Checkpoints;

/// <summary>A checkpoint file that cannot be used: damaged, truncated, another format version, or
/// not fitting the model it is resumed on. The message says which, in a few words.</summary>
public sealed class CheckpointFormatException(string message) : Exception(message);
