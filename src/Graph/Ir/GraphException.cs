namespace Spp.Graph;

/// <summary>A structural problem in a graph (cycle, undefined value, inconsistent shapes). The
/// message names the node or value at fault and is meant to be shown to the user as is.</summary>
public sealed class GraphException(string message) : Exception(message);
