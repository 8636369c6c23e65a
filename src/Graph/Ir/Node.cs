namespace Spp.Graph;

/// <summary>One operator application. Input names may be "" for an omitted optional input.</summary>
public sealed class Node
{
    public string OpType { get; set; }
    public string Domain { get; set; }
    public string Name { get; set; }
    public List<string> Inputs { get; }
    public List<string> Outputs { get; }
    public List<Attribute> Attributes { get; }
    /// <summary>Serialized content the IR does not model (doc string, overload, metadata, device
    /// configurations, unknown fields); written back unchanged.</summary>
    public byte[]? Extras { get; set; }

    public Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs,
        IEnumerable<Attribute>? attributes = null, string domain = "")
    {
        OpType = opType;
        Name = name;
        Domain = domain;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Attributes = attributes?.ToList() ?? [];
    }

    /// <summary>The standard ONNX domain is written "" or "ai.onnx".</summary>
    public bool IsStandardDomain => Domain is "" or "ai.onnx";

    /// <summary>A readable identity for messages: the node name, or op type and first output.</summary>
    public string DisplayName => Name.Length > 0 ? Name : $"{OpType}->{(Outputs.Count > 0 ? Outputs[0] : "?")}";

    public Attribute? Attr(string name) => Attributes.Find(a => a.Name == name);
    public bool HasAttr(string name) => Attr(name) is not null;
    public long GetInt(string name, long dflt) => Attr(name) is { Kind: AttributeKind.Int } a ? a.I : dflt;
    public float GetFloat(string name, float dflt) => Attr(name) is { Kind: AttributeKind.Float } a ? a.F : dflt;
    public string GetString(string name, string dflt) => Attr(name) is { Kind: AttributeKind.String } a ? a.StringValue : dflt;
    public long[]? GetInts(string name) => Attr(name) is { Kind: AttributeKind.Ints } a ? a.Ints : null;
    public float[]? GetFloats(string name) => Attr(name) is { Kind: AttributeKind.Floats } a ? a.Floats : null;
    public Tensor? GetTensor(string name) => Attr(name) is { Kind: AttributeKind.Tensor } a ? a.T : null;

    public void SetAttr(Attribute attr)
    {
        int i = Attributes.FindIndex(a => a.Name == attr.Name);
        if (i >= 0) Attributes[i] = attr; else Attributes.Add(attr);
    }

    /// <summary>Input name at <paramref name="i"/>, or null when absent or omitted.</summary>
    public string? Input(int i) => i < Inputs.Count && Inputs[i].Length > 0 ? Inputs[i] : null;

    public override string ToString() => $"{OpType} '{DisplayName}'";
}
