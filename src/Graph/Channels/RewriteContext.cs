namespace Spp.Graph.Channels;

/// <summary>What an op rule uses to rewrite its node's structure after channels are removed:
/// kept channel indices of values, and replacement of constant inputs (split sizes, slice bounds,
/// reshape targets).</summary>
public sealed class RewriteContext
{
    private readonly Func<string, long[]?> _kept;

    internal RewriteContext(Node node, Graph graph, GraphTypes originalTypes, long opset, Func<string, long[]?> kept)
    {
        Node = node;
        Opset = opset;
        Graph = graph;
        OriginalTypes = originalTypes;
        _kept = kept;
    }

    /// <summary>The node in the graph being rewritten (its attributes and inputs may be changed).</summary>
    public Node Node { get; }
    public Graph Graph { get; }
    public long Opset { get; }
    /// <summary>Types of the original graph at batch 1.</summary>
    public GraphTypes OriginalTypes { get; }

    /// <summary>Kept channel indices (sorted, original numbering) of a value, or null when the value
    /// has no channel slots or loses nothing.</summary>
    public long[]? Kept(string? value) => value is null ? null : _kept(value);

    public long OriginalWidth(string value) => OriginalTypes.ShapeOf(value)?[1].Value ?? throw new GraphException($"width of '{value}' not known");

    public long NewWidth(string? value) => value is null ? 0 : Kept(value)?.LongLength ?? OriginalWidth(value);

    /// <summary>Number of kept channels of <paramref name="value"/> before original index <paramref name="index"/>.</summary>
    public long NewIndex(string value, long index) => Kept(value) is { } k ? k.Count(c => c < index) : index;

    /// <summary>Points input <paramref name="i"/> at a new initializer holding <paramref name="value"/>
    /// (a fresh name, so constants shared with other nodes stay as they were).</summary>
    public void ReplaceConstantInput(int i, Tensor value)
    {
        string baseName = (Node.Input(i) ?? "const") + "_pruned";
        string name = baseName;
        for (int k = 1; Graph.Initializers.ContainsKey(name); k++) name = $"{baseName}{k}";
        value.Name = name;
        Graph.AddInitializer(value);
        while (Node.Inputs.Count <= i) Node.Inputs.Add("");
        Node.Inputs[i] = name;
    }
}
