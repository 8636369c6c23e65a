namespace Spp.Graph.Channels;

/// <summary>One removable unit: channel slots that go together, and the constant slices they own.</summary>
public sealed record ChannelUnit(int Index, IReadOnlyList<(string Value, int Channel)> Slots, IReadOnlyList<TensorSlice> Slices);

/// <summary>
/// Units of the same structure (produced by the same layers, read by the same layers): the channels of
/// one conv's output, the residual stream of a ResNet stage, the groups of a grouped conv. Pruning
/// chooses how many units of a group to remove and which.
/// </summary>
public sealed record ChannelGroup(
    int Id,
    IReadOnlyList<ChannelUnit> Units,
    IReadOnlyList<string> Values,
    IReadOnlyList<string> Producers,
    IReadOnlyList<string> Consumers,
    bool Locked,
    IReadOnlyList<string> LockReasons)
{
    public int Width => Units.Count;

    /// <summary>Slots each unit holds in <paramref name="value"/> (H*W for a flattened map, the
    /// channels per conv group for grouped convs, 1 otherwise).</summary>
    public int SlotsPerUnit(string value) => Units[0].Slots.Count(s => s.Value == value);

    public override string ToString() => $"group {Id} ({Width} units{(Locked ? ", locked" : "")}): {string.Join(", ", Values.Take(3))}{(Values.Count > 3 ? ", ..." : "")}";
}
