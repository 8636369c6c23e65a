using System.Text.Json.Nodes;
using Spp.Pruning.Training;

namespace Spp.Pruning.Checkpoints;

/// <summary>
/// A checkpoint in memory: the phase and loop position it was taken at, the key of the inputs it
/// belongs to (model hash, data identity, every flag that changes the result), small values as JSON
/// (step counters, method state, the curve so far, what the job keeps between phases) and the large
/// float tensors (weights, velocities, BatchNorm statistics) by name.
/// </summary>
public sealed class CheckpointData(string phase, LoopPosition position)
{
    public string Phase { get; } = phase;
    public LoopPosition Position { get; } = position;
    public IReadOnlyDictionary<string, string> Key { get; set; } = new Dictionary<string, string>();
    public JsonObject Values { get; init; } = [];
    public Dictionary<string, float[]> Tensors { get; init; } = new(StringComparer.Ordinal);
}
