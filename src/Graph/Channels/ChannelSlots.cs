namespace Spp.Graph.Channels;

/// <summary>
/// Every channel of every tensor value with a channel axis (axis 1 of [N,C,...], the feature axis of
/// [N,F]) is one slot; slots that must be removed together are joined by union-find. A slot can be
/// locked (never removed) with a reason.
/// </summary>
public sealed class ChannelSlots
{
    private readonly Dictionary<string, (int Offset, int Width)> _values = new();
    private readonly List<string> _valueOfSlot = [];
    private int[] _parent = [];
    private readonly Dictionary<int, string> _locks = new();

    public int Count => _valueOfSlot.Count;

    public void AddValue(string value, int width)
    {
        if (_values.ContainsKey(value)) return;
        _values[value] = (_valueOfSlot.Count, width);
        for (int c = 0; c < width; c++) _valueOfSlot.Add(value);
        int old = _parent.Length;
        Array.Resize(ref _parent, _valueOfSlot.Count);
        for (int i = old; i < _parent.Length; i++) _parent[i] = i;
    }

    public bool Has(string value) => _values.ContainsKey(value);
    public int Width(string value) => _values[value].Width;
    public IEnumerable<string> Values => _values.Keys;

    public int Slot(string value, long channel)
    {
        var (offset, width) = _values[value];
        if (channel < 0 || channel >= width) throw new ArgumentOutOfRangeException(nameof(channel), $"channel {channel} of '{value}' (width {width})");
        return offset + (int)channel;
    }

    public (string Value, int Channel) Describe(int slot)
    {
        var v = _valueOfSlot[slot];
        return (v, slot - _values[v].Offset);
    }

    public int Find(int s)
    {
        while (_parent[s] != s)
        {
            _parent[s] = _parent[_parent[s]];
            s = _parent[s];
        }
        return s;
    }

    public void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b) return;
        // Keep the smaller index as root: deterministic components whatever the union order.
        if (a < b) _parent[b] = a; else _parent[a] = b;
    }

    public void Lock(int slot, string reason) => _locks.TryAdd(slot, reason);

    /// <summary>Lock reasons by component root (first reason recorded per slot).</summary>
    public Dictionary<int, List<string>> LockReasonsByRoot()
    {
        var r = new Dictionary<int, List<string>>();
        foreach (var (slot, reason) in _locks)
        {
            int root = Find(slot);
            if (!r.TryGetValue(root, out var list)) r[root] = list = [];
            if (!list.Contains(reason)) list.Add(reason);
        }
        return r;
    }
}
