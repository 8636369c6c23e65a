namespace Spp.Graph;

/// <summary>Result of type and shape inference: a type for every value that could be inferred or
/// was declared, the constant value of folded values, and per-node problems that made inference
/// fall back to declared types.</summary>
public sealed class GraphTypes
{
    private readonly Dictionary<string, TensorType> _types = new();
    private readonly Dictionary<string, Tensor> _values = new();

    public List<string> Warnings { get; } = [];

    public TensorType? TypeOf(string name) => _types.GetValueOrDefault(name);
    public Shape? ShapeOf(string name) => TypeOf(name)?.Shape;
    public Tensor? ValueOf(string name) => _values.GetValueOrDefault(name);
    public bool IsConstant(string name) => _values.ContainsKey(name);

    internal void SetType(string name, TensorType type) => _types[name] = type;
    internal void SetValue(string name, Tensor value) => _values[name] = value;
    internal bool HasType(string name) => _types.ContainsKey(name);
}
