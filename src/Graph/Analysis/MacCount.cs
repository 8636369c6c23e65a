using Spp.Graph.Ops;

namespace Spp.Graph;

/// <summary>Multiply-accumulate counts per node, from each op rule's MAC formula.</summary>
public static class MacCount
{
    /// <summary>MACs of each node (null where shapes were not known) for the given types.</summary>
    public static Dictionary<Node, long?> PerNode(Graph graph, GraphTypes types, long opset)
    {
        var result = new Dictionary<Node, long?>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            var rule = OpRegistry.Find(node);
            result[node] = rule is null ? null : rule.Macs(new InferenceContext(node, graph, types, opset));
        }
        return result;
    }

    /// <summary>Total MACs for one sample (graph inputs' batch bound to 1); unknown nodes count 0.</summary>
    public static long PerSample(Graph graph, long opset)
    {
        var types = ShapeInference.Run(graph, opset, batch: 1);
        return PerNode(graph, types, opset).Values.Sum(v => v ?? 0);
    }
}
