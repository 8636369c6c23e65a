using Spp.Graph.Ops;

namespace Spp.Graph.Channels;

/// <summary>
/// Channel dependency analysis (DESIGN.md, "Channel dependency analysis"): every op states its channel
/// flow through its rule; union-find joins slots that must go together; components become units, and
/// units of equal structure become groups. Channels of graph inputs and outputs, and channels touching
/// an op without a channel rule, are locked.
/// </summary>
public sealed class ChannelAnalysis
{
    public Graph Graph { get; }
    public long Opset { get; }
    public GraphTypes Types { get; }
    public IReadOnlyList<ChannelGroup> Groups { get; }
    public ChannelSlots Slots { get; }

    private ChannelAnalysis(Graph graph, long opset, GraphTypes types, ChannelSlots slots, IReadOnlyList<ChannelGroup> groups)
    {
        Graph = graph;
        Opset = opset;
        Types = types;
        Slots = slots;
        Groups = groups;
    }

    public IEnumerable<ChannelGroup> PrunableGroups => Groups.Where(g => !g.Locked);

    public static ChannelAnalysis Run(Graph graph, long opset)
    {
        var types = ShapeInference.Run(graph, opset, batch: 1);
        var slots = new ChannelSlots();
        var constantNodes = graph.Nodes.Where(n => n.OpType == "Constant" && n.IsStandardDomain && n.Outputs.Count == 1)
            .ToDictionary(n => n.Outputs[0], n => n);

        // Slots for every non-constant tensor with a channel axis of known size.
        foreach (var v in graph.RealInputs.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs)))
        {
            if (v.Length == 0 || types.IsConstant(v)) continue;
            if (types.ShapeOf(v) is { Rank: >= 2 } s && s[1].Value is long c && c > 0 && c <= int.MaxValue)
                slots.AddValue(v, (int)c);
        }

        var slices = new List<TensorSlice>();
        var sliceSlots = new List<(TensorSlice Slice, int Slot)>();
        bool Sliceable(string name) => graph.Initializers.ContainsKey(name) || constantNodes.ContainsKey(name);

        var consumerMap = new Lazy<Dictionary<string, List<Node>>>(graph.ConsumerMap);
        foreach (var node in graph.Nodes)
        {
            var ctx = new ChannelFlowContext(node, graph, types, opset, slots, slices, sliceSlots, Sliceable, consumerMap);
            var rule = OpRegistry.Find(node);
            if (rule is null) ctx.LockAll($"{node}: op without a channel rule");
            // A rule can only state channel flow between tensors whose channel counts are known.
            else if (node.Inputs.Concat(node.Outputs).FirstOrDefault(v => HasUnknownChannels(types, v)) is { } unknown)
                ctx.LockAll($"{node}: shape of '{unknown}' is not known");
            else rule.ChannelFlow(ctx);
        }

        // A constant can be sliced only consistently: indices of one tensor axis shared by several
        // slots (a weight read by two nodes) join those slots; a constant that is also read by a node
        // that did not declare the slice (or sliced on two different axes) must stay whole.
        var byIndex = new Dictionary<(string, int, long), int>();
        foreach (var (s, slot) in sliceSlots)
            for (long k = s.Start; k < s.Start + s.Length; k++)
            {
                if (byIndex.TryGetValue((s.Tensor, s.Axis, k), out int other)) slots.Union(other, slot);
                else byIndex[(s.Tensor, s.Axis, k)] = slot;
            }
        var declaring = sliceSlots.GroupBy(x => x.Slice.Tensor).ToDictionary(g => g.Key, g => g.Select(x => x.Slice.Node).ToHashSet());
        var consumers = graph.ConsumerMap();
        foreach (var (tensor, nodes) in declaring)
        {
            bool foreignReader = consumers.TryGetValue(tensor, out var readers) && readers.Any(r => !nodes.Contains(r));
            bool isOutput = graph.Outputs.Any(o => o.Name == tensor);
            if (foreignReader || isOutput)
                foreach (var (s, slot) in sliceSlots.Where(x => x.Slice.Tensor == tensor))
                    slots.Lock(slot, $"constant '{tensor}' is also read where it cannot be sliced");
        }

        foreach (var i in graph.RealInputs)
            if (slots.Has(i.Name)) for (int c = 0; c < slots.Width(i.Name); c++) slots.Lock(slots.Slot(i.Name, c), $"'{i.Name}' is a graph input");
        foreach (var o in graph.Outputs)
            if (slots.Has(o.Name)) for (int c = 0; c < slots.Width(o.Name); c++) slots.Lock(slots.Slot(o.Name, c), $"'{o.Name}' is a graph output");

        return new ChannelAnalysis(graph, opset, types, slots, BuildGroups(slots, sliceSlots));
    }

    private static bool HasUnknownChannels(GraphTypes types, string v) =>
        v.Length > 0 && !types.IsConstant(v) && (types.ShapeOf(v) is not { } s || (s.Rank >= 2 && !s[1].IsKnown));

    private static List<ChannelGroup> BuildGroups(ChannelSlots slots, List<(TensorSlice Slice, int Slot)> sliceSlots)
    {
        var members = new SortedDictionary<int, List<int>>();
        for (int s = 0; s < slots.Count; s++)
        {
            int root = slots.Find(s);
            if (!members.TryGetValue(root, out var list)) members[root] = list = [];
            list.Add(s);
        }
        var slicesByRoot = sliceSlots.GroupBy(x => slots.Find(x.Slot)).ToDictionary(g => g.Key, g => g.Select(x => x.Slice).ToList());
        var locks = slots.LockReasonsByRoot();

        // Components with the same signature (values touched, slots per value) are one group.
        var bySignature = new Dictionary<string, List<int>>();
        var order = new List<string>();
        foreach (var (root, list) in members)
        {
            var sig = string.Join("|", list.Select(s => slots.Describe(s).Value).GroupBy(v => v).Select(g => $"{g.Key}#{g.Count()}").Order(StringComparer.Ordinal));
            if (!bySignature.TryGetValue(sig, out var roots))
            {
                bySignature[sig] = roots = [];
                order.Add(sig);
            }
            roots.Add(root);
        }

        var groups = new List<ChannelGroup>();
        foreach (var sig in order)
        {
            var roots = bySignature[sig];
            var units = roots.Select((root, k) => new ChannelUnit(k,
                members[root].Select(slots.Describe).ToList(),
                slicesByRoot.GetValueOrDefault(root) ?? [])).ToList();
            var reasons = roots.SelectMany(r => locks.GetValueOrDefault(r) ?? []).Distinct().ToList();
            var allSlices = units.SelectMany(u => u.Slices).ToList();
            groups.Add(new ChannelGroup(
                groups.Count,
                units,
                units[0].Slots.Select(s => s.Value).Distinct().ToList(),
                allSlices.Where(s => s.Role == SliceRole.Producer).Select(s => s.Node.DisplayName).Distinct().ToList(),
                allSlices.Where(s => s.Role == SliceRole.Consumer).Select(s => s.Node.DisplayName).Distinct().ToList(),
                reasons.Count > 0,
                reasons));
        }
        return groups;
    }

    /// <summary>Channels of <paramref name="value"/> left after removing the plan's units.</summary>
    public long KeptWidth(string value, PruningPlan plan)
    {
        if (!Slots.Has(value)) return -1;
        long removed = 0;
        foreach (var (groupId, units) in plan.Removed)
            removed += (long)units.Count * Groups[groupId].SlotsPerUnit(value);
        return Slots.Width(value) - removed;
    }
}
