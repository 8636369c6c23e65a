namespace Spp.Graph;

/// <summary>
/// A computation graph: nodes (kept in topological order, see <see cref="GraphOrder"/>), constant
/// initializers, declared inputs, outputs and intermediate value types. Containers preserve the
/// order of the source file so that a model read and written back keeps its layout.
/// </summary>
public sealed class Graph
{
    public string Name { get; set; } = "";
    public List<Node> Nodes { get; } = [];
    public OrderedDictionary<string, Tensor> Initializers { get; } = new();
    public List<ValueInfo> Inputs { get; } = [];
    public List<ValueInfo> Outputs { get; } = [];
    /// <summary>value_info entries of the source (intermediate value types), by value name.</summary>
    public OrderedDictionary<string, ValueInfo> ValueInfos { get; } = new();
    /// <summary>Serialized graph-level content the IR does not model (doc string, sparse
    /// initializers, quantization annotations, metadata, unknown fields).</summary>
    public byte[]? Extras { get; set; }

    public Tensor? Initializer(string? name) => name is not null && Initializers.TryGetValue(name, out var t) ? t : null;

    public void AddInitializer(Tensor t) => Initializers[t.Name] = t;

    /// <summary>Graph inputs that are not initializers (the model's real inputs).</summary>
    public IEnumerable<ValueInfo> RealInputs => Inputs.Where(i => !Initializers.ContainsKey(i.Name));

    /// <summary>The node producing each value (graph inputs and initializers have none).</summary>
    public Dictionary<string, Node> ProducerMap()
    {
        var map = new Dictionary<string, Node>();
        foreach (var n in Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) map[o] = n;
        return map;
    }

    /// <summary>The nodes reading each value, in node order.</summary>
    public Dictionary<string, List<Node>> ConsumerMap()
    {
        var map = new Dictionary<string, List<Node>>();
        foreach (var n in Nodes)
            foreach (var i in n.Inputs)
            {
                if (i.Length == 0) continue;
                if (!map.TryGetValue(i, out var list)) map[i] = list = [];
                if (list.Count == 0 || list[^1] != n) list.Add(n);
            }
        return map;
    }

    /// <summary>Deep-enough copy for rewrites: new containers and nodes, shared immutable tensors
    /// (rewrites replace tensors rather than mutate them).</summary>
    public Graph Clone()
    {
        var g = new Graph { Name = Name, Extras = Extras };
        foreach (var n in Nodes)
            g.Nodes.Add(new Node(n.OpType, n.Name, n.Inputs, n.Outputs, n.Attributes, n.Domain) { Extras = n.Extras });
        foreach (var (k, v) in Initializers) g.Initializers[k] = v;
        foreach (var i in Inputs) g.Inputs.Add(new ValueInfo(i.Name, i.Type) { OpaqueType = i.OpaqueType, Extras = i.Extras });
        foreach (var o in Outputs) g.Outputs.Add(new ValueInfo(o.Name, o.Type) { OpaqueType = o.OpaqueType, Extras = o.Extras });
        foreach (var (k, v) in ValueInfos) g.ValueInfos[k] = new ValueInfo(v.Name, v.Type) { OpaqueType = v.OpaqueType, Extras = v.Extras };
        return g;
    }
}
