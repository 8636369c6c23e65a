namespace Spp.Backend.Runtime;

/// <summary>The device the user demanded (<c>--device cuda</c>) cannot be used here; the message is
/// one line saying why.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
