using Xunit;
using Spp.Backend.Runtime;
using Spp.Graph;

namespace Spp.TestModels;

/// <summary>Runs models in ONNX Runtime for tests: random inputs, output comparison, and a view of
/// every intermediate value's runtime shape.</summary>
public static class OrtHarness
{
    public static Dictionary<string, Tensor> RandomInputs(Model m, long batch, int seed) =>
        Spp.Backend.Verification.RandomInputs.For(m.Graph, batch, seed);

    public static List<Tensor> Run(Model m, IReadOnlyDictionary<string, Tensor> inputs, OrtSettings? settings = null)
    {
        using var s = OrtModel.Load(m, settings ?? OrtSettings.Reference);
        return s.Run(inputs);
    }

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Dims, b.Dims);
        var x = a.ToFloats();
        var y = b.ToFloats();
        float d = 0;
        for (int i = 0; i < x.Length; i++) d = Math.Max(d, Math.Abs(x[i] - y[i]));
        return d;
    }

    /// <summary>Runtime shapes of every node output, obtained by declaring each one a graph output
    /// (ONNX Runtime then returns it).</summary>
    public static Dictionary<string, long[]> RuntimeShapes(Model m, long batch, int seed = 0) =>
        RuntimeValues(m, batch, seed).ToDictionary(kv => kv.Key, kv => kv.Value.Dims);

    /// <summary>Runtime value (element type, shape and data) of every node output.</summary>
    public static Dictionary<string, Tensor> RuntimeValues(Model m, long batch, int seed = 0)
    {
        var g = m.Graph.Clone();
        var declared = new HashSet<string>(g.Outputs.Select(o => o.Name));
        foreach (var n in g.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0 && declared.Add(o))
                    g.Outputs.Add(new ValueInfo(o, null));
        var probe = m.CloneWithGraph(g);
        using var s = OrtModel.Load(probe, OrtSettings.Reference);
        var outs = s.Run(RandomInputs(m, batch, seed));
        return outs.ToDictionary(t => t.Name);
    }
}
