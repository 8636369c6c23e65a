using Spp.Graph;
using Spp.Pruning.Engine;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Channel gates at terminal consumers (spp-spec.md 3.3): a gated forward is exactly the
/// masked original (consumer slices zeroed in the model), and gated-off units get exactly zero
/// gradient in the consumer slices and in everything that produces them.</summary>
public sealed class GateTests
{
    private const int Batch = 3;
    private static readonly float[] Keep = [1, 0, 1, 0, 1];

    public static TheoryData<string, string> Consumers()
    {
        var data = new TheoryData<string, string>();
        foreach (var b in Backends.All.Keys)
        {
            data.Add(b, "conv");
            data.Add(b, "gemm");
        }
        return data;
    }

    /// <summary>The gated consumer: the second conv's input channels (units = conv1's 4 channels),
    /// or the Gemm's columns after global pooling (units = conv2's 5 channels).</summary>
    private static (string Weight, long Inner, int Units) Consumer(Model m, string which)
    {
        var n = SmallNets.Names(m);
        return which == "conv" ? (n.W2, 9, 4) : (n.Fc, 1, 5);
    }

    private static Model MaskedOriginal(Model m, string weight, long inner, int units)
    {
        var g = m.Graph.Clone();
        var t = g.Initializers[weight];
        var data = t.ToFloats();
        for (int e = 0; e < data.Length; e++) if (Keep[e / inner % units] == 0) data[e] = 0;
        g.Initializers[weight] = Tensor.FromFloats(weight, t.Dims, data);
        return m.CloneWithGraph(g);
    }

    [Theory]
    [MemberData(nameof(Consumers))]
    public void Gated_forward_is_exactly_the_masked_original(string backend, string which)
    {
        var model = SmallNets.ConvNet();
        var (weight, inner, units) = Consumer(model, which);
        var masked = MaskedOriginal(model, weight, inner, units);
        var x = SmallNets.RandomInput(Batch * 108, 7);
        foreach (bool training in new[] { false, true })
        {
            using var gated = new EngineRun(model, Batch, backend, training);
            using var mask = gated.K.Allocate(units);
            gated.K.Upload(Keep[..units], mask);
            gated.Graph.Parameter(weight)!.Gates.Add(new AxisMask(mask, inner, units));
            gated.Graph.SetInput(0, x);
            using var reference = new EngineRun(masked, Batch, backend, training);
            reference.Graph.SetInput(0, x);
            Assert.Equal(reference.Forward()[0], gated.Forward()[0]);
            if (training) continue;
            var ort = OrtHarness.Run(masked, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats("x", [Batch, 3, 6, 6], x) })[0];
            Compare.Close(ort.ToFloats(), gated.Forward()[0], 1e-5, "gated forward vs masked original in ONNX Runtime");
        }
    }

    [Theory]
    [MemberData(nameof(Consumers))]
    public void Gated_off_units_get_exactly_zero_gradient_in_consumer_and_producers(string backend, string which)
    {
        var model = SmallNets.ConvNet();
        var (weight, inner, units) = Consumer(model, which);
        var n = SmallNets.Names(model);
        using var run = new EngineRun(model, Batch, backend, training: true);
        using var mask = run.K.Allocate(units);
        run.K.Upload(Keep[..units], mask);
        run.Graph.Parameter(weight)!.Gates.Add(new AxisMask(mask, inner, units));
        run.Graph.SetInput(0, SmallNets.RandomInput(Batch * 108, 7));
        using var loss = ClassificationLoss.CrossEntropy(run.K, Batch, 4);
        run.Graph.ZeroGrads();
        run.Graph.Forward(run.Ctx);
        loss.Compute(run.Graph, [0, 1, 3], null);
        run.Graph.Backward(run.Ctx);

        float[] Grad(string name)
        {
            var p = run.Graph.Parameter(name)!;
            return run.Read(p.Tensor.Grad!, p.Tensor.Count);
        }
        // (parameter, elements per unit along its unit axis, units): consumer slices, then producer slices.
        var slices = new List<(string Name, long Inner, int Units)> { (weight, inner, units) };
        if (which == "conv") slices.AddRange([(n.W1, 27, 4), (n.B1, 1, 4), (n.Gamma, 1, 4), (n.Beta, 1, 4)]);
        else slices.AddRange([(n.W2, 36, 5), (n.B2, 1, 5)]);
        foreach (var (name, per, count) in slices)
        {
            var g = Grad(name);
            for (int e = 0; e < g.Length; e++)
                if (Keep[e / per % count] == 0) Assert.True(g[e] == 0, $"{name}[{e}] of a gated-off unit has gradient {g[e]}");
            Assert.Contains(g, v => v != 0);
        }
    }
}
