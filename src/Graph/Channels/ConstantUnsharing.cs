namespace Spp.Graph.Channels;

/// <summary>
/// Gives every node its own copy of the float constants it reads, before pruning. Exporters share
/// equal constants between unrelated layers (torch 1.13 deduplicates identical initializers, such as
/// all-zero biases, and links them through Identity nodes); channel analysis would otherwise have to
/// slice one tensor for two unrelated channel groups and lock both. Identity nodes over constants
/// are bypassed and dropped. Outputs are unchanged: the copies hold the same values.
/// </summary>
public static class ConstantUnsharing
{
    /// <summary>A new graph with private constants; the number of copies made is returned too.</summary>
    public static (Graph Graph, int Copies) Apply(Graph source)
    {
        var g = source.Clone();
        var outputs = g.Outputs.Select(o => o.Name).ToHashSet();

        // Identity over an initializer (possibly chained): read the initializer directly.
        var alias = new Dictionary<string, string>();
        foreach (var n in g.Nodes)
            if (n.OpType == "Identity" && n.IsStandardDomain && n.Input(0) is { } i && n.Outputs.Count == 1 && !outputs.Contains(n.Outputs[0]))
            {
                string root = alias.GetValueOrDefault(i, i);
                if (g.Initializers.ContainsKey(root)) alias[n.Outputs[0]] = root;
            }
        foreach (var n in g.Nodes)
            for (int k = 0; k < n.Inputs.Count; k++)
                if (alias.TryGetValue(n.Inputs[k], out var root)) n.Inputs[k] = root;
        g.Nodes.RemoveAll(n => n.OpType == "Identity" && n.Outputs.Count == 1 && alias.ContainsKey(n.Outputs[0]));

        // Float initializers read at more than one place get one copy per extra reader.
        var uses = new Dictionary<string, List<(Node Node, int Input)>>();
        foreach (var n in g.Nodes)
            for (int k = 0; k < n.Inputs.Count; k++)
                if (g.Initializers.TryGetValue(n.Inputs[k], out var t) && t.ElementType.IsFloatingPoint() && t.Dims.Length > 0)
                {
                    if (!uses.TryGetValue(n.Inputs[k], out var list)) uses[n.Inputs[k]] = list = [];
                    list.Add((n, k));
                }
        var declared = g.Inputs.Select(i => i.Name).ToHashSet();
        int copies = 0;
        foreach (var (name, list) in uses)
        {
            if (list.Count < 2 || declared.Contains(name) || outputs.Contains(name)) continue;
            var t = g.Initializers[name];
            for (int j = 1; j < list.Count; j++)
            {
                string copyName = $"{name}__{j}";
                while (g.Initializers.ContainsKey(copyName)) copyName += "_";
                g.AddInitializer(new Tensor(copyName, t.ElementType, t.Dims, t.RawData) { Extras = t.Extras });
                list[j].Node.Inputs[list[j].Input] = copyName;
                copies++;
            }
        }
        return (g, copies);
    }
}
