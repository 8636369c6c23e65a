namespace Spp.Graph;

public sealed record NodeSummary(string Name, string OpType, string Domain, string OutputShape, long Params, long? Macs, bool Known);

public sealed record IoSummary(string Name, string Type);

/// <summary>What <c>sppc inspect</c> shows: per-node shapes, parameters and MACs (per sample), and
/// model totals. Parameters are the elements of the initializers a node reads, each counted once,
/// at its first reader.</summary>
public sealed record ModelSummary(
    IReadOnlyList<NodeSummary> Nodes,
    long TotalParams,
    long MacsPerSample,
    long ConvGemmMacsPerSample,
    long WeightBytes,
    IReadOnlyList<OpsetImport> Opsets,
    IReadOnlyList<IoSummary> Inputs,
    IReadOnlyList<IoSummary> Outputs,
    IReadOnlyList<string> UnknownOps,
    IReadOnlyList<string> Warnings)
{
    public static ModelSummary Of(Model model)
    {
        var g = model.Graph;
        long opset = model.OnnxOpset;
        var perSample = ShapeInference.Run(g, opset, batch: 1);
        var symbolic = ShapeInference.Run(g, opset);
        var macs = MacCount.PerNode(g, perSample, opset);
        var counted = new HashSet<string>();
        var rows = new List<NodeSummary>();
        foreach (var n in g.Nodes)
        {
            long p = 0;
            foreach (var i in n.Inputs)
                if (g.Initializer(i) is { } t && counted.Add(i)) p += t.ElementCount;
            string shape = n.Outputs.Count > 0 && n.Outputs[0].Length > 0
                ? symbolic.TypeOf(n.Outputs[0])?.Shape?.ToString() ?? "?"
                : "";
            rows.Add(new NodeSummary(n.Name, n.OpType, n.Domain, shape, p, macs[n], Ops.OpRegistry.Find(n) is not null));
        }
        long convGemm = g.Nodes.Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul").Sum(n => macs[n] ?? 0);
        return new ModelSummary(
            rows,
            g.Initializers.Values.Where(t => t.ElementType.IsFloatingPoint()).Sum(t => t.ElementCount),
            macs.Values.Sum(v => v ?? 0),
            convGemm,
            g.Initializers.Values.Sum(t => t.ByteSize),
            model.Opsets,
            g.RealInputs.Select(v => new IoSummary(v.Name, symbolic.TypeOf(v.Name)?.ToString() ?? v.Type?.ToString() ?? "?")).ToList(),
            g.Outputs.Select(v => new IoSummary(v.Name, symbolic.TypeOf(v.Name)?.ToString() ?? v.Type?.ToString() ?? "?")).ToList(),
            g.Nodes.Where(n => Ops.OpRegistry.Find(n) is null).Select(n => n.IsStandardDomain ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct().ToList(),
            perSample.Warnings.Concat(symbolic.Warnings).Distinct().ToList());
    }
}
