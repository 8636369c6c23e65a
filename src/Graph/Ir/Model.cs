namespace Spp.Graph;

public sealed record OpsetImport(string Domain, long Version);

/// <summary>A whole model: the main graph plus the model-level facts sppc reads or reports.</summary>
public sealed class Model
{
    public long IrVersion { get; set; }
    public List<OpsetImport> Opsets { get; } = [];
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public List<KeyValuePair<string, string>> Metadata { get; } = [];
    public Graph Graph { get; set; } = new();
    /// <summary>Serialized model-level content the IR does not model (domain, model version, doc
    /// string, functions, training info, device configurations, unknown fields).</summary>
    public byte[]? Extras { get; set; }
    /// <summary>True when the source kept (some) initializers in external data files; the Backend
    /// then writes external data too.</summary>
    public bool UsesExternalData { get; set; }

    /// <summary>Version of the standard ONNX opset ("" or "ai.onnx"), 0 if none is imported.</summary>
    public long OnnxOpset => Opsets.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    public Model CloneWithGraph(Graph graph)
    {
        var m = new Model
        {
            IrVersion = IrVersion, ProducerName = ProducerName, ProducerVersion = ProducerVersion,
            Graph = graph, Extras = Extras, UsesExternalData = UsesExternalData,
        };
        m.Opsets.AddRange(Opsets);
        m.Metadata.AddRange(Metadata);
        return m;
    }
}
