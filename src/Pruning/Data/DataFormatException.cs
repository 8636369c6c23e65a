namespace Spp.Pruning.Data;

/// <summary>A data file or folder that cannot be read, or that does not fit the model. The message
/// is one line that names the file; the command line prints it as it is (exit code 2).</summary>
public sealed class DataFormatException(string message) : Exception(message);
