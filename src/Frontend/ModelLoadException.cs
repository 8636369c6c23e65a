namespace Spp.Frontend;

/// <summary>The input file cannot be read as a model. The message names the file and, where it
/// applies, the node or tensor at fault, and is shown to the user as one line.</summary>
public sealed class ModelLoadException(string message) : Exception(message);
