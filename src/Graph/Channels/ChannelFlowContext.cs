namespace Spp.Graph.Channels;

/// <summary>What an op rule uses to state its channel flow: which output channels come from which
/// input channels, which constant slices belong to which channel, and what must stay whole.</summary>
public sealed class ChannelFlowContext
{
    private readonly ChannelSlots _slots;
    private readonly List<TensorSlice> _slices;
    private readonly List<(TensorSlice Slice, int Slot)> _sliceSlots;
    private readonly Func<string, bool> _isSliceableConstant;
    private readonly Lazy<Dictionary<string, List<Node>>> _consumers;

    internal ChannelFlowContext(Node node, Graph graph, GraphTypes types, long opset, ChannelSlots slots,
        List<TensorSlice> slices, List<(TensorSlice, int)> sliceSlots, Func<string, bool> isSliceableConstant,
        Lazy<Dictionary<string, List<Node>>> consumers)
    {
        _consumers = consumers;
        Node = node;
        Graph = graph;
        Types = types;
        Opset = opset;
        _slots = slots;
        _slices = slices;
        _sliceSlots = sliceSlots;
        _isSliceableConstant = isSliceableConstant;
    }

    public Node Node { get; }
    public Graph Graph { get; }
    /// <summary>Types at batch 1 (channel counts do not depend on the batch).</summary>
    public GraphTypes Types { get; }
    public long Opset { get; }

    public string? In(int i) => Node.Input(i);

    /// <summary>An integer list from constant input <paramref name="input"/> when the node has it,
    /// else from attribute <paramref name="attr"/>; null when neither is known.</summary>
    public long[]? Ints(int input, string? attr) =>
        Node.Input(input) is { } name ? ConstantOf(name)?.ToInt64s() : attr is null ? null : Node.GetInts(attr);

    /// <summary>Nodes that read <paramref name="value"/>.</summary>
    public IReadOnlyList<Node> Consumers(string value) => _consumers.Value.GetValueOrDefault(value) ?? [];

    /// <summary>An axis attribute made non-negative for a tensor of <paramref name="rank"/>.</summary>
    public int AxisAttr(string name, long dflt, int rank)
    {
        long a = Node.GetInt(name, dflt);
        return (int)(a < 0 ? a + rank : a);
    }
    public string? Out(int i) => i < Node.Outputs.Count && Node.Outputs[i].Length > 0 ? Node.Outputs[i] : null;
    public Shape? ShapeOf(string? value) => value is null ? null : Types.ShapeOf(value);
    public Tensor? ConstantOf(string? value) => value is null ? null : Types.ValueOf(value);

    /// <summary>True for a value with channel slots (a non-constant tensor with a known axis 1).</summary>
    public bool HasSlots(string? value) => value is not null && _slots.Has(value);
    public int Width(string value) => _slots.Width(value);

    /// <summary>An initializer or a Constant node's output: a tensor the rewrite can slice.</summary>
    public bool IsSliceableConstant(string? value) => value is not null && _isSliceableConstant(value);

    /// <summary>Channel c of <paramref name="to"/> is channel c of <paramref name="from"/>, for all c.
    /// Locks the node when either has no slots or their widths differ.</summary>
    public void Preserve(string? from, string? to)
    {
        if (from is null || to is null) return;
        if (!HasSlots(from) || !HasSlots(to) || Width(from) != Width(to))
        {
            LockAll($"{Node}: channel counts of '{from}' and '{to}' are not known to match");
            return;
        }
        for (int c = 0; c < Width(from); c++) _slots.Union(_slots.Slot(from, c), _slots.Slot(to, c));
    }

    /// <summary>Channels [toStart, toStart+count) of <paramref name="to"/> are channels
    /// [fromStart, ...) of <paramref name="from"/> (Concat, Split, Slice).</summary>
    public void Map(string from, long fromStart, string to, long toStart, long count)
    {
        for (long k = 0; k < count; k++) _slots.Union(_slots.Slot(from, fromStart + k), _slots.Slot(to, toStart + k));
    }

    /// <summary>Channel f of <paramref name="to"/> comes from channel f / <paramref name="block"/> of
    /// <paramref name="from"/> (Flatten of [N,C,H,W]: block = H*W; depth multipliers).</summary>
    public void MapBlocks(string from, string to, long block)
    {
        for (int f = 0; f < Width(to); f++) _slots.Union(_slots.Slot(from, f / block), _slots.Slot(to, f));
    }

    /// <summary>Joins channel <paramref name="a"/> of one value with channel <paramref name="b"/> of another.</summary>
    public void Join(string va, long a, string vb, long b) => _slots.Union(_slots.Slot(va, a), _slots.Slot(vb, b));

    /// <summary>Indices [c*block, (c+1)*block) of <paramref name="axis"/> of constant
    /// <paramref name="tensor"/> belong to channel c of <paramref name="value"/>, for all c. A tensor
    /// the rewrite cannot slice (computed at run time) locks the value instead.</summary>
    public void SliceConstant(string tensor, int axis, string value, long block, SliceRole role)
    {
        if (!HasSlots(value)) return;
        if (!IsSliceableConstant(tensor))
        {
            LockValue(value, $"{Node}: '{tensor}' is computed, not a constant sppc can slice");
            return;
        }
        for (int c = 0; c < Width(value); c++)
        {
            var s = new TensorSlice(tensor, axis, c * block, block, role, Node);
            _slices.Add(s);
            _sliceSlots.Add((s, _slots.Slot(value, c)));
        }
    }

    public void LockValue(string? value, string reason)
    {
        if (value is null || !HasSlots(value)) return;
        for (int c = 0; c < Width(value); c++) _slots.Lock(_slots.Slot(value, c), reason);
    }

    public void LockRange(string value, long start, long count, string reason)
    {
        for (long c = start; c < start + count; c++) _slots.Lock(_slots.Slot(value, c), reason);
    }

    /// <summary>Locks every channel the node reads or writes.</summary>
    public void LockAll(string reason)
    {
        foreach (var i in Node.Inputs) LockValue(i.Length > 0 ? i : null, reason);
        foreach (var o in Node.Outputs) LockValue(o.Length > 0 ? o : null, reason);
    }
}
