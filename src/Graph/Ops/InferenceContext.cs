using System.Diagnostics.CodeAnalysis;

namespace Spp.Graph.Ops;

/// <summary>What an <see cref="OpRule"/> sees of one node during inference: its attributes, its
/// inputs' types and constant values, and where to put its outputs' types and values.</summary>
public sealed class InferenceContext
{
    private readonly GraphTypes _types;

    internal InferenceContext(Node node, Graph graph, GraphTypes types, long opset)
    {
        Node = node;
        Graph = graph;
        _types = types;
        Opset = opset;
    }

    public Node Node { get; }
    public Graph Graph { get; }
    /// <summary>Imported version of the node's domain's opset (standard domain).</summary>
    public long Opset { get; }

    public int InputCount => Node.Inputs.Count;
    public bool HasInput(int i) => Node.Input(i) is not null;

    public TensorType? InputType(int i) => Node.Input(i) is { } n ? _types.TypeOf(n) : null;
    public Shape? InputShape(int i) => InputType(i)?.Shape;
    public ElementType InputElementType(int i) => InputType(i)?.ElementType ?? ElementType.Undefined;
    /// <summary>The input's value when it is an initializer or was folded to a constant.</summary>
    public Tensor? InputValue(int i) => Node.Input(i) is { } n ? _types.ValueOf(n) : null;

    /// <summary>Input 0's element type and shape, for rules whose output 0 keeps the element type
    /// and needs the input's rank. False when the shape is not known; output 0 then gets the element
    /// type (when known) with an unknown shape, which is all such a rule can tell.</summary>
    public bool TryShapedInput(out ElementType elem, [NotNullWhen(true)] out Shape? shape)
    {
        var t = InputType(0);
        elem = t?.ElementType ?? ElementType.Undefined;
        shape = t?.Shape;
        if (t is not null && shape is null) SetOutput(0, elem, null);
        return shape is not null;
    }

    public TensorType? OutputType(int i) => i < Node.Outputs.Count && Node.Outputs[i].Length > 0 ? _types.TypeOf(Node.Outputs[i]) : null;
    public Shape? OutputShape(int i) => OutputType(i)?.Shape;

    public void SetOutput(int i, ElementType type, Shape? shape)
    {
        if (i < Node.Outputs.Count && Node.Outputs[i].Length > 0)
            _types.SetType(Node.Outputs[i], new TensorType(type, shape));
    }

    /// <summary>Records a folded constant value (and its type) for output <paramref name="i"/>.</summary>
    public void SetOutputValue(int i, Tensor value)
    {
        if (i >= Node.Outputs.Count || Node.Outputs[i].Length == 0) return;
        _types.SetType(Node.Outputs[i], value.Type);
        _types.SetValue(Node.Outputs[i], value);
    }

    /// <summary>Throws a <see cref="GraphException"/> naming this node.</summary>
    public GraphException Error(string what) => new($"node {Node}: {what}");
}
