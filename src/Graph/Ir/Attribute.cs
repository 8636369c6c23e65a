namespace Spp.Graph;

public enum AttributeKind
{
    Float, Int, String, Tensor, Floats, Ints, Strings, Tensors,
    /// <summary>Graph, sparse tensor or type attributes: kept as serialized bytes, never interpreted.</summary>
    Opaque,
}

/// <summary>A node attribute. Kinds the IR reasons about are typed; everything else (subgraphs,
/// sparse tensors, type protos) travels as opaque serialized bytes.</summary>
public sealed class Attribute
{
    public string Name { get; }
    public AttributeKind Kind { get; }
    public float F { get; init; }
    public long I { get; init; }
    public byte[] S { get; init; } = [];
    public Tensor? T { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
    public byte[][] Strings { get; init; } = [];
    public Tensor[] Tensors { get; init; } = [];
    /// <summary>For <see cref="AttributeKind.Opaque"/>: the whole serialized attribute. For others:
    /// serialized leftovers the IR does not model (doc string, ref_attr_name, unknown fields).</summary>
    public byte[]? Extras { get; init; }

    public Attribute(string name, AttributeKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public static Attribute Int(string name, long v) => new(name, AttributeKind.Int) { I = v };
    public static Attribute Float(string name, float v) => new(name, AttributeKind.Float) { F = v };
    public static Attribute Str(string name, string v) => new(name, AttributeKind.String) { S = System.Text.Encoding.UTF8.GetBytes(v) };
    public static Attribute IntList(string name, params long[] v) => new(name, AttributeKind.Ints) { Ints = v };
    public static Attribute FloatList(string name, params float[] v) => new(name, AttributeKind.Floats) { Floats = v };
    public static Attribute Of(string name, Tensor t) => new(name, AttributeKind.Tensor) { T = t };

    public string StringValue => System.Text.Encoding.UTF8.GetString(S);

    public override string ToString() => Kind switch
    {
        AttributeKind.Int => $"{Name}={I}",
        AttributeKind.Float => $"{Name}={F}",
        AttributeKind.String => $"{Name}=\"{StringValue}\"",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        _ => $"{Name}:{Kind}",
    };
}
