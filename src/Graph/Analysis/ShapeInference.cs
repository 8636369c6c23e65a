using Spp.Graph.Ops;

namespace Spp.Graph;

/// <summary>Type and shape inference over a whole graph, node by node in topological order, with
/// constant folding of shape arithmetic. Unknown ops take the types the model declares for their
/// outputs (value_info), or stay unknown; inference never fails on them.</summary>
public static class ShapeInference
{
    /// <summary>Largest tensor (elements) folded to a constant: shape arithmetic is tiny, and this
    /// keeps inference from evaluating real computations on big constants.</summary>
    public const long MaxFoldedElements = 1 << 16;

    /// <param name="batch">When set, a graph input's first dimension that is symbolic or unknown
    /// is bound to this size (MACs per sample use 1).</param>
    public static GraphTypes Run(Graph graph, long opset, long? batch = null)
    {
        var types = new GraphTypes();
        foreach (var (name, t) in graph.Initializers)
        {
            types.SetType(name, t.Type);
            types.SetValue(name, t);
        }
        // The symbols naming the batch in the inputs ("N") name it in declared types too.
        var batchSymbols = new HashSet<string>();
        foreach (var input in graph.Inputs)
        {
            if (graph.Initializers.ContainsKey(input.Name) || input.Type is null) continue;
            var type = input.Type;
            if (batch is long b && type.Shape is { Rank: > 0 } s && !s[0].IsKnown)
            {
                if (s[0].Symbol is { } sym) batchSymbols.Add(sym);
                type = type with { Shape = s.With(0, Dim.Of(b)) };
            }
            types.SetType(input.Name, type);
        }

        foreach (var node in graph.Nodes)
        {
            var rule = OpRegistry.Find(node);
            if (rule is not null)
            {
                try
                {
                    rule.Infer(new InferenceContext(node, graph, types, opset));
                }
                catch (Exception e) when (e is GraphException or ArgumentException or InvalidOperationException
                                              or NotSupportedException or IndexOutOfRangeException or OverflowException)
                {
                    types.Warnings.Add(e is GraphException ? e.Message : $"node {node}: {e.Message}");
                }
            }
            // Whatever the rule could not infer (or an unknown op) takes the declared type; a
            // partly inferred shape takes the declared dims where its own are not known.
            foreach (var o in node.Outputs)
                if (o.Length > 0 && Declared(graph, o, batchSymbols, batch) is { } declared)
                    types.SetType(o, types.TypeOf(o) is { } inferred ? Fill(inferred, declared) : declared);
        }
        return types;
    }

    /// <summary>The inferred type with its unknown parts (element type, rank, dims that are neither
    /// a size nor a symbol) taken from the declared type.</summary>
    private static TensorType Fill(TensorType inferred, TensorType declared)
    {
        var elem = inferred.ElementType == ElementType.Undefined ? declared.ElementType : inferred.ElementType;
        var shape = inferred.Shape;
        if (shape is null) shape = declared.Shape;
        else if (declared.Shape is { } d && d.Rank == shape.Rank)
            shape = new Shape(shape.Dims.Select((dim, k) => dim.IsKnown || dim.IsSymbolic ? dim : d[k]));
        return new TensorType(elem, shape);
    }

    private static TensorType? Declared(Graph graph, string name, HashSet<string> batchSymbols, long? batch)
    {
        var t = graph.ValueInfos.TryGetValue(name, out var vi) && vi.Type is not null ? vi.Type : graph.Outputs.Find(o => o.Name == name)?.Type;
        if (t?.Shape is not { } s || batch is not long b || batchSymbols.Count == 0) return t;
        return t with { Shape = new Shape(s.Dims.Select(d => d.Symbol is { } sym && batchSymbols.Contains(sym) ? Dim.Of(b) : d)) };
    }
}
