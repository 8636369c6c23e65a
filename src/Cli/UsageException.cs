namespace Spp.Cli;

/// <summary>Bad input or usage: printed as one line, exit code 2, nothing written.</summary>
public sealed class UsageException(string message) : Exception(message);
