namespace Spp.Graph;

/// <summary>Declared type of a graph input, output or intermediate value. Non-tensor types
/// (sequences, maps, optionals) are not modelled: <see cref="Type"/> is null and
/// <see cref="OpaqueType"/> holds the serialized type.</summary>
public sealed class ValueInfo
{
    public string Name { get; set; }
    public TensorType? Type { get; set; }
    public byte[]? OpaqueType { get; set; }
    /// <summary>Serialized leftovers (doc string, metadata, unknown fields).</summary>
    public byte[]? Extras { get; set; }

    public ValueInfo(string name, TensorType? type)
    {
        Name = name;
        Type = type;
    }

    public override string ToString() => $"{Name}: {Type?.ToString() ?? "(non-tensor)"}";
}
