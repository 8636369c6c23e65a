namespace Spp.Pruning.Engine;

/// <summary>The model cannot be trained as asked (an op without a kernel or without a backward rule
/// on a path to a parameter, a shape the kernels do not support). The message names the node.</summary>
public sealed class TrainingException(string message) : Exception(message);
