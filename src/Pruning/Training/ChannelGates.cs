using Spp.Graph.Channels;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>
/// Connects channel units to the training graph (spp-spec.md 3.3-3.4). Every prunable unit gets a
/// global id; a 0/1 mask per unit gates the unit's consumer slices in the forward pass (exactly the
/// masked original) and freezes every slice of the unit (producer rows, consumer columns, per-channel
/// parameters) and its momentum in the optimizer. Masks are expanded per (parameter, axis) on the
/// host, which keeps any slice layout (channel blocks of a flatten, conv groups, concat offsets) exact.
/// </summary>
public sealed class ChannelGates : IDisposable
{
    private sealed class AxisMap(Parameter parameter, int axis, int length, long inner, bool gate)
    {
        public Parameter Parameter { get; } = parameter;
        public int Axis { get; } = axis;
        public long Inner { get; } = inner;
        public bool Gate { get; } = gate;
        /// <summary>Global unit of each index of the axis, -1 where no prunable unit owns it.</summary>
        public int[] Unit { get; } = Enumerable.Repeat(-1, length).ToArray();
        public float[] Host { get; } = new float[length];
        public IBuffer? Device { get; set; }
    }

    private readonly IKernels _k;
    private readonly List<AxisMap> _maps = [];

    /// <summary>Global id of unit 0 of each group.</summary>
    public IReadOnlyDictionary<int, int> FirstUnit { get; }
    public int UnitCount { get; }
    public IReadOnlyList<ChannelGroup> Groups { get; }

    public ChannelGates(ChannelAnalysis analysis, TrainingGraph graph, IEnumerable<ChannelGroup> groups)
    {
        _k = graph.K;
        Groups = groups.ToList();
        var first = new Dictionary<int, int>();
        int next = 0;
        foreach (var g in Groups)
        {
            first[g.Id] = next;
            next += g.Width;
        }
        FirstUnit = first;
        UnitCount = next;

        var maps = new Dictionary<(string, int, bool), AxisMap>();
        foreach (var g in Groups)
            foreach (var unit in g.Units)
                foreach (var s in unit.Slices)
                {
                    if (graph.Parameter(s.Tensor) is not { } p) continue;     // constants are not trained
                    // Freeze covers every role; gates only the consumer slices.
                    foreach (bool gate in s.Role == SliceRole.Consumer ? new[] { false, true } : new[] { false })
                    {
                        if (!maps.TryGetValue((s.Tensor, s.Axis, gate), out var m))
                        {
                            long inner = p.Tensor.Shape.Skip(s.Axis + 1).Aggregate(1L, (a, d) => a * d);
                            maps[(s.Tensor, s.Axis, gate)] = m = new AxisMap(p, s.Axis, p.Tensor.Shape[s.Axis], inner, gate);
                        }
                        for (long i = s.Start; i < s.Start + s.Length; i++) m.Unit[i] = first[g.Id] + unit.Index;
                    }
                }
        _maps.AddRange(maps.Values);
        foreach (var m in _maps)
        {
            m.Device = _k.Allocate(m.Host.Length);
            var mask = new AxisMask(m.Device, m.Inner, m.Host.Length);
            if (m.Gate) m.Parameter.Gates.Add(mask); else m.Parameter.Freeze.Add(mask);
        }
        Set(Enumerable.Repeat(1f, UnitCount).ToArray());
    }

    /// <summary>Sets every unit's mask (1 = keep, 0 = gated off and frozen this step).</summary>
    public void Set(ReadOnlySpan<float> unitMasks)
    {
        if (unitMasks.Length != UnitCount) throw new ArgumentException($"{UnitCount} unit masks expected, got {unitMasks.Length}");
        foreach (var m in _maps)
        {
            for (int i = 0; i < m.Host.Length; i++) m.Host[i] = m.Unit[i] < 0 ? 1f : unitMasks[m.Unit[i]];
            _k.Upload(m.Host, m.Device!);
        }
    }

    /// <summary>Per-unit gate derivative dL/dm (spp-spec.md 6.2): the sum over the unit's consumer
    /// slices of gradient times weight, from the last backward pass (taken with all gates open).</summary>
    public float[] GateGradients(IBuffer scratch)
    {
        var result = new float[UnitCount];
        foreach (var m in _maps.Where(m => m.Gate))
        {
            _k.Fill(scratch, 0, 0, m.Host.Length);
            _k.AxisDot(new AxisMask(scratch, m.Inner, m.Host.Length), m.Parameter.Tensor.Grad!, m.Parameter.Master, scratch, m.Parameter.Tensor.Count);
            var sums = new float[m.Host.Length];
            _k.Download(scratch, sums);
            for (int i = 0; i < sums.Length; i++) if (m.Unit[i] >= 0) result[m.Unit[i]] += sums[i];
        }
        return result;
    }

    /// <summary>IncReg's penalty gradient (spp-spec.md 6.3): grad += λ_c * w on every element of every
    /// slice of unit c (an element in two units' slices gets both terms).</summary>
    public void AddRegularization(ReadOnlySpan<float> unitLambda, IBuffer scratch)
    {
        foreach (var m in _maps.Where(m => !m.Gate))
        {
            var lambda = new float[m.Host.Length];
            for (int i = 0; i < lambda.Length; i++) lambda[i] = m.Unit[i] < 0 ? 0f : unitLambda[m.Unit[i]];
            if (lambda.All(v => v == 0)) continue;
            _k.Upload(lambda, m.Device!);
            long n = m.Parameter.Tensor.Count;
            _k.ApplyMask(new AxisMask(m.Device!, m.Inner, m.Host.Length), m.Parameter.Master, scratch, n);
            var shape = new[] { checked((int)n) };
            _k.Binary(BinaryOp.Add, new BroadcastDesc(shape, shape, shape), m.Parameter.Tensor.Grad!, scratch, m.Parameter.Tensor.Grad!);
            _k.Upload(m.Host, m.Device!);   // the buffer is the freeze mask: put it back
        }
    }

    public void Dispose()
    {
        foreach (var m in _maps)
        {
            m.Parameter.Gates.RemoveAll(g => g.Mask == m.Device);
            m.Parameter.Freeze.RemoveAll(g => g.Mask == m.Device);
            m.Device?.Dispose();
        }
        _maps.Clear();
    }
}
