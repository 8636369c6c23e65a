namespace Spp.Graph.Channels;

/// <summary>
/// The layers whose cost changes with one channel group's width, cut out of the model as a graph of
/// their own so that a runtime can time them at any width of that group: every node that reads or
/// writes one of the group's values (its producers, the ops between, its consumers), with the
/// model's real shapes. Shape arithmetic that feeds those nodes comes along; constants become
/// initializers; activations from elsewhere become inputs with a symbolic batch, and whatever the
/// nodes produce that nothing inside reads becomes an output.
/// <para>Runtimes pick kernels and memory layouts per layer (ONNX Runtime's CPU convolutions work on
/// blocked channel layouts when channel counts allow), and a layer that cannot use the blocked
/// layout makes the runtime convert layouts around it. So that the cut-out pays those conversions
/// where the whole model would, every 4-D input and output passes through a 1x1 depthwise
/// convolution (an "anchor", cheap and of fixed cost) standing in for the neighbouring layers.</para>
/// </summary>
public sealed class GroupSubgraph
{
    /// <summary>The cut-out; its inputs take any batch size.</summary>
    public Graph Graph { get; }
    /// <summary>The group's values, by name in <see cref="Graph"/> (the same names as in the model).</summary>
    public IReadOnlyList<string> GroupValues { get; }
    public int Width { get; }

    private GroupSubgraph(Graph graph, IReadOnlyList<string> values, int width) => (Graph, GroupValues, Width) = (graph, values, width);

    public const string BatchSymbol = "N";

    /// <param name="symbolic">shape inference of the same graph without a bound batch: a value
    /// that is constant there does not depend on the batch and may be frozen into the cut-out</param>
    public static GroupSubgraph Extract(ChannelAnalysis analysis, ChannelGroup group, GraphTypes symbolic)
    {
        var graph = analysis.Graph;
        var values = group.Values.ToHashSet();
        var producers = graph.ProducerMap();
        var members = graph.Nodes.Where(n => n.Inputs.Any(values.Contains) || n.Outputs.Any(values.Contains)).ToHashSet();

        // Non-activation inputs computed at run time (a Reshape's target shape from Shape/Gather/
        // Concat over the batch) cannot be frozen: the nodes computing them come along.
        var pending = new Queue<Node>(members);
        while (pending.TryDequeue(out var node))
            foreach (var input in node.Inputs)
                if (IsComputed(graph, symbolic, input) && !IsActivation(analysis.Types, input)
                    && producers.TryGetValue(input, out var p) && members.Add(p))
                    pending.Enqueue(p);

        var sub = new Graph { Name = $"group{group.Id}" };
        var produced = members.SelectMany(n => n.Outputs).Where(o => o.Length > 0).ToHashSet();
        var read = members.SelectMany(n => n.Inputs).Where(i => i.Length > 0).ToHashSet();
        foreach (var input in graph.Nodes.Where(members.Contains).SelectMany(n => n.Inputs).Distinct())
        {
            if (input.Length == 0 || produced.Contains(input) || sub.Initializers.ContainsKey(input)) continue;
            if (graph.Initializer(input) is { } t) sub.AddInitializer(t);
            else if (symbolic.ValueOf(input) is { } folded) sub.AddInitializer(folded.Name == input ? folded : Renamed(folded, input));
            else Anchor(sub, analysis.Types, input, isInput: true);
        }
        foreach (var node in graph.Nodes.Where(members.Contains))
            sub.Nodes.Add(new Node(node.OpType, node.Name, node.Inputs, node.Outputs, node.Attributes, node.Domain));
        foreach (var output in graph.Nodes.Where(members.Contains).SelectMany(n => n.Outputs))
            if (output.Length > 0 && !read.Contains(output)) Anchor(sub, analysis.Types, output, isInput: false);
        GraphOrder.Check(sub);
        return new GroupSubgraph(sub, group.Values, group.Width);
    }

    private static bool IsComputed(Graph graph, GraphTypes symbolic, string value) =>
        value.Length > 0 && !graph.Initializers.ContainsKey(value) && !symbolic.IsConstant(value);

    private static bool IsActivation(GraphTypes types, string value) =>
        types.TypeOf(value) is { Shape.Rank: >= 2 } t && t.ElementType.IsFloatingPoint();

    private static Tensor Renamed(Tensor t, string name) => new(name, t.ElementType, t.Dims, t.RawData.ToArray());

    /// <summary>A graph input (or output) for <paramref name="value"/> with the batch made symbolic;
    /// 4-D float values pass through a 1x1 depthwise convolution on the way.</summary>
    private static void Anchor(Graph sub, GraphTypes types, string value, bool isInput)
    {
        var type = types.TypeOf(value) ?? throw new GraphException($"the type of '{value}' is not known");
        if (type.Shape is { Rank: >= 2 } s) type = type with { Shape = s.With(0, Dim.Sym(BatchSymbol)) };
        if (type.Shape is not { Rank: 4 } shape || !type.ElementType.IsFloatingPoint() || shape[1].Value is not long c)
        {
            (isInput ? sub.Inputs : sub.Outputs).Add(new ValueInfo(value, type));
            return;
        }
        string outer = $"{value}__anchor", weight = $"{value}__anchor_w";
        var ones = new float[c];
        Array.Fill(ones, 1f);
        sub.AddInitializer(Tensor.FromFloats(weight, [c, 1, 1, 1], ones));
        var conv = new Node("Conv", $"{value}__anchor_conv", [isInput ? outer : value, weight], [isInput ? value : outer],
            [Attribute.Int("group", c), Attribute.IntList("kernel_shape", 1, 1)]);
        if (isInput) sub.Nodes.Insert(0, conv); else sub.Nodes.Add(conv);
        (isInput ? sub.Inputs : sub.Outputs).Add(new ValueInfo(outer, type));
    }

    /// <summary>The cut-out with the group narrowed to <paramref name="width"/> units (the first
    /// ones kept: which units go does not change the cost).</summary>
    public Graph At(int width, long opset)
    {
        if (width < 1 || width > Width) throw new ArgumentOutOfRangeException(nameof(width), $"width {width} is outside 1..{Width}");
        if (width == Width) return Graph.Clone();
        var analysis = ChannelAnalysis.Run(Graph, opset);
        var names = GroupValues.ToHashSet();
        var group = analysis.PrunableGroups.FirstOrDefault(g => g.Width == Width && g.Values.ToHashSet().SetEquals(names))
            ?? throw new GraphException($"the cut-out of group '{GroupValues[0]}' does not keep the group prunable");
        return GraphPruner.Prune(analysis, new PruningPlan().Remove(group.Id, Enumerable.Range(width, Width - width)));
    }
}
