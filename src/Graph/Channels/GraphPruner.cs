using Spp.Graph.Ops;

namespace Spp.Graph.Channels;

/// <summary>
/// The structural rewrite <c>Prune(graph, plan)</c> and the masked original it must equal
/// (DESIGN.md, "Exactness"): removing a unit slices every constant it owns and rewrites the
/// structure around it; masking zeroes only the consumer slices of the removed units.
/// </summary>
public static class GraphPruner
{
    public static Graph Prune(ChannelAnalysis analysis, PruningPlan plan)
    {
        plan.Validate(analysis);
        var g = analysis.Graph.Clone();
        var removedSlices = RemovedSlices(analysis, plan).ToList();

        // Constants: per tensor, per axis, the indices to drop.
        var constantNodes = g.Nodes.Where(n => n.OpType == "Constant" && n.Outputs.Count == 1).ToDictionary(n => n.Outputs[0]);
        foreach (var byTensor in removedSlices.GroupBy(s => s.Tensor))
        {
            var source = ConstantValue(g, constantNodes, byTensor.Key);
            var keep = new Dictionary<int, long[]>();
            foreach (var byAxis in byTensor.GroupBy(s => s.Axis))
            {
                var drop = byAxis.SelectMany(s => Range(s.Start, s.Length)).ToHashSet();
                keep[byAxis.Key] = Range(0, source.Dims[byAxis.Key]).Where(i => !drop.Contains(i)).ToArray();
            }
            SetConstant(g, constantNodes, byTensor.Key, TensorSlicing.Keep(source, keep));
        }

        // Structure: attributes and shape constants that carry channel counts.
        var kept = KeptChannels(analysis, plan);
        foreach (var node in g.Nodes)
            OpRegistry.Find(node)?.Rewrite(new RewriteContext(node, g, analysis.Types, analysis.Opset, v => kept.GetValueOrDefault(v)));

        RemoveUnusedInitializers(g, analysis.Graph);
        UpdateDeclaredTypes(g, analysis.Opset);
        GraphOrder.Check(g);
        return g;
    }

    /// <summary>The original graph with every consumer slice of the removed units zeroed: what the
    /// pruned graph must compute.</summary>
    public static Graph MaskOriginal(ChannelAnalysis analysis, PruningPlan plan)
    {
        plan.Validate(analysis);
        var g = analysis.Graph.Clone();
        var constantNodes = g.Nodes.Where(n => n.OpType == "Constant" && n.Outputs.Count == 1).ToDictionary(n => n.Outputs[0]);
        foreach (var byTensor in RemovedSlices(analysis, plan).Where(s => s.Role == SliceRole.Consumer).GroupBy(s => s.Tensor))
        {
            var t = ConstantValue(g, constantNodes, byTensor.Key);
            foreach (var byAxis in byTensor.GroupBy(s => s.Axis))
                t = TensorSlicing.Zero(t, byAxis.Key, byAxis.SelectMany(s => Range(s.Start, s.Length)).Distinct().ToList());
            SetConstant(g, constantNodes, byTensor.Key, t);
        }
        return g;
    }

    /// <summary>Kept channel indices of every value that loses channels under the plan.</summary>
    public static Dictionary<string, long[]> KeptChannels(ChannelAnalysis analysis, PruningPlan plan)
    {
        var removed = new Dictionary<string, HashSet<long>>();
        foreach (var (gid, units) in plan.Removed)
            foreach (int u in units)
                foreach (var (value, channel) in analysis.Groups[gid].Units[u].Slots)
                {
                    if (!removed.TryGetValue(value, out var set)) removed[value] = set = [];
                    set.Add(channel);
                }
        return removed.ToDictionary(kv => kv.Key,
            kv => Range(0, analysis.Slots.Width(kv.Key)).Where(c => !kv.Value.Contains(c)).ToArray());
    }

    private static IEnumerable<TensorSlice> RemovedSlices(ChannelAnalysis analysis, PruningPlan plan) =>
        plan.Removed.SelectMany(kv => kv.Value.SelectMany(u => analysis.Groups[kv.Key].Units[u].Slices));

    private static IEnumerable<long> Range(long start, long count)
    {
        for (long i = start; i < start + count; i++) yield return i;
    }

    private static Tensor ConstantValue(Graph g, Dictionary<string, Node> constantNodes, string name) =>
        g.Initializer(name) ?? (constantNodes.TryGetValue(name, out var n) ? ConstantRule.ValueOf(n) : null)
        ?? throw new GraphException($"constant '{name}' to slice is neither an initializer nor a Constant node");

    private static void SetConstant(Graph g, Dictionary<string, Node> constantNodes, string name, Tensor t)
    {
        t.Name = name;
        if (g.Initializers.ContainsKey(name))
        {
            g.Initializers[name] = t;
            return;
        }
        var node = constantNodes[name];
        node.Attributes.RemoveAll(a => a.Name.StartsWith("value", StringComparison.Ordinal));
        node.Attributes.Add(Attribute.Of("value", t));
    }

    /// <summary>Drops initializers that a rewrite replaced and nothing reads any more (never ones the
    /// original graph declared as inputs or outputs).</summary>
    private static void RemoveUnusedInitializers(Graph g, Graph original)
    {
        var read = g.Nodes.SelectMany(n => n.Inputs).Concat(g.Outputs.Select(o => o.Name)).ToHashSet();
        var declared = original.Inputs.Select(i => i.Name).ToHashSet();
        foreach (var name in g.Initializers.Keys.ToList())
            if (!read.Contains(name) && !declared.Contains(name) && original.Nodes.Any(n => n.Inputs.Contains(name)))
                g.Initializers.Remove(name);
    }

    /// <summary>Declared value types (value_info, initializer inputs) follow the new shapes.</summary>
    private static void UpdateDeclaredTypes(Graph g, long opset)
    {
        var types = ShapeInference.Run(g, opset);
        foreach (var vi in g.ValueInfos.Values)
            if (vi.Type is not null && types.TypeOf(vi.Name) is { Shape: not null } t)
                vi.Type = vi.Type with { Shape = MergeSymbols(vi.Type.Shape, t.Shape) };
        foreach (var vi in g.Inputs)
            if (g.Initializer(vi.Name) is { } init && vi.Type is not null)
                vi.Type = vi.Type with { Shape = init.Shape };
    }

    /// <summary>New known sizes, keeping the symbols (batch "N") the model declared.</summary>
    private static Shape MergeSymbols(Shape? declared, Shape inferred)
    {
        if (declared is null || declared.Rank != inferred.Rank) return inferred;
        return new Shape(inferred.Dims.Select((d, i) => declared[i].IsSymbolic && !d.IsKnown ? declared[i] : d.IsKnown || d.IsSymbolic ? d : declared[i]));
    }
}
