namespace Spp.Graph;

/// <summary>Checks that every node input is defined and puts nodes in topological order (ONNX
/// requires it, but some producers write graphs out of order; a stable sort keeps their layout
/// wherever it already was valid).</summary>
public static class GraphOrder
{
    /// <summary>Sorts <paramref name="graph"/>'s nodes topologically in place. Throws a
    /// <see cref="GraphException"/> naming the node for an undefined input or a cycle.</summary>
    public static void Check(Graph graph, ISet<string>? outerScopeValues = null)
    {
        var defined = new HashSet<string>(graph.Initializers.Keys);
        foreach (var i in graph.Inputs) defined.Add(i.Name);
        if (outerScopeValues is not null) defined.UnionWith(outerScopeValues);

        var producers = new Dictionary<string, int>();
        for (int k = 0; k < graph.Nodes.Count; k++)
            foreach (var o in graph.Nodes[k].Outputs)
                if (o.Length > 0)
                {
                    if (!producers.TryAdd(o, k) || defined.Contains(o))
                        throw new GraphException($"value '{o}' is produced more than once (node {graph.Nodes[k]})");
                }

        foreach (var n in graph.Nodes)
            foreach (var i in n.Inputs)
                if (i.Length > 0 && !defined.Contains(i) && !producers.ContainsKey(i))
                    throw new GraphException($"node {n} reads '{i}', which no node, input or initializer defines");

        // Kahn's algorithm, always taking the earliest ready node: keeps the source order when valid.
        int count = graph.Nodes.Count;
        var indegree = new int[count];
        var dependents = new List<int>[count];
        for (int k = 0; k < count; k++) dependents[k] = [];
        for (int k = 0; k < count; k++)
            foreach (var i in graph.Nodes[k].Inputs.Distinct())
                if (i.Length > 0 && producers.TryGetValue(i, out int p))
                {
                    indegree[k]++;
                    dependents[p].Add(k);
                }
        var ready = new SortedSet<int>(Enumerable.Range(0, count).Where(k => indegree[k] == 0));
        var order = new List<Node>(count);
        while (ready.Count > 0)
        {
            int k = ready.Min;
            ready.Remove(k);
            order.Add(graph.Nodes[k]);
            foreach (int d in dependents[k])
                if (--indegree[d] == 0) ready.Add(d);
        }
        if (order.Count != count)
        {
            var stuck = graph.Nodes.Where((_, k) => indegree[k] > 0).First();
            throw new GraphException($"node {stuck} is part of a cycle");
        }
        graph.Nodes.Clear();
        graph.Nodes.AddRange(order);
    }
}
