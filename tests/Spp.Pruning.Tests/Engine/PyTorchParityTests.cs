using Spp.Graph;
using Spp.Pruning.Data;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>One training step of resnet20 and mbv2s (BN in training mode, cross-entropy on 8
/// labelled images) against PyTorch in float64 (tools/fixtures/make_training_grads.py): loss,
/// logits, every parameter gradient and the updated BN running statistics, to 1e-4 of each tensor's
/// scale.</summary>
public sealed class PyTorchParityTests
{
    /// <summary>The exporter feeds equal initializers of two layers through Identity nodes; PyTorch
    /// holds two parameters, so the fixture (and this test) gives each Identity output its own copy.</summary>
    private static Model Unshared(Model m)
    {
        var g = m.Graph.Clone();
        foreach (var n in g.Nodes.Where(n => n.OpType == "Identity" && g.Initializers.ContainsKey(n.Inputs[0])).ToList())
        {
            var t = g.Initializers[n.Inputs[0]];
            var copy = t.WithData(t.Dims, (byte[])t.RawData.Clone());
            copy.Name = n.Outputs[0];
            g.AddInitializer(copy);
            g.Nodes.Remove(n);
        }
        return m.CloneWithGraph(g);
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var b in Backends.All.Keys)
            foreach (var m in new[] { "resnet20", "mbv2s" })
                data.Add(b, m);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_step_matches_pytorch(string backend, string model)
    {
        var fixture = Npy.ReadNpz(RepoPaths.Fixture(model + "_grads.npz"));
        var unshared = Unshared(RealModels.Load(model + ".bn.onnx"));
        var input = fixture["input"];
        int batch = (int)input.Dims[0];
        var labels = fixture["labels"].ToInt64s();

        using var run = new EngineRun(unshared, batch, backend, training: true);
        run.Graph.SetInput(0, input.ToFloats());
        using var loss = ClassificationLoss.CrossEntropy(run.K, batch, 10);
        run.Graph.ZeroGrads();
        run.Graph.Forward(run.Ctx);
        var result = loss.Compute(run.Graph, labels, null);
        run.Graph.Backward(run.Ctx);

        double expectedLoss = fixture["loss"].ToDoubles()[0];
        Assert.True(Math.Abs(result.Loss - expectedLoss) <= 1e-4 * expectedLoss, $"loss {result.Loss}, PyTorch {expectedLoss}");
        Compare.Close(fixture["logits"].ToFloats(), run.Graph.Download(run.Graph.Outputs[0]), 1e-4, "logits");

        var grads = fixture.Keys.Where(k => k.StartsWith("grad/")).Select(k => k[5..]).Order().ToList();
        Assert.Equal(grads, run.Graph.Parameters.Select(p => p.Name).Order().ToList());
        // A bias right before a training-mode BN has zero gradient up to rounding (the BN removes
        // any shift): such tensors are compared at 1e-3 of the largest gradient of the model (float32 sums of a few hundred terms).
        double largest = grads.Max(n => fixture["grad/" + n].ToFloats().Max(Math.Abs));
        foreach (var name in grads)
        {
            var p = run.Graph.Parameter(name)!;
            Compare.Close(fixture["grad/" + name].ToFloats(), run.Read(p.Tensor.Grad!, p.Tensor.Count), 1e-4, "gradient of " + name, minScale: 1e-3 * largest);
        }
        var running = fixture.Keys.Where(k => k.StartsWith("running/")).Select(k => k[8..]).ToList();
        Assert.Equal(running.Order(), run.Graph.State.Keys.Order());
        // Likewise a channel whose batch mean is zero up to rounding (|mean| ~ 1e-7): scale at least 1e-3.
        foreach (var name in running)
            Compare.Close(fixture["running/" + name].ToFloats(), run.Graph.Download(run.Graph.State[name]), 1e-4, "running statistic " + name, minScale: 1e-3);
    }
}
