using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Running statistics of training-mode BatchNormalization: ONNX Runtime updates the
/// variance with the biased batch variance; the engine (as PyTorch, and as the BN recalibration of
/// spp-spec.md 3.5 assumes) with the unbiased one. Expected values derive from ORT's outputs.</summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class BatchNormTests
{
    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Training_mode_running_variance_is_ORTs_with_Bessels_correction(string backend)
    {
        var c = OpCatalog.Find("BatchNormalization_train");
        var model = c.Build();
        var inputs = c.Inputs(model, seed: 11);
        var ort = OrtHarness.Run(model, inputs);
        var node = model.Graph.Nodes.Single();
        float momentum = node.GetFloat("momentum", 0.9f);
        var before = model.Graph.Initializers[node.Inputs[4]].ToFloats();
        long m = inputs["x"].ElementCount / before.Length;

        using var run = new EngineRun(model, c.Batch, backend, training: true);
        run.SetInputs(inputs);
        var ours = run.Forward();

        var ortVar = ort[2].ToFloats();
        var expected = ortVar.Select((v, i) =>
        {
            double biased = (v - momentum * (double)before[i]) / (1 - momentum);
            return (float)(momentum * before[i] + (1 - momentum) * biased * m / (m - 1));
        }).ToArray();
        Compare.Close(expected, ours[2], 1e-5, "running variance");
        // The state itself (what Export writes) is updated, not only the output copy.
        Compare.Close(expected, run.Graph.Download(run.Graph.State[node.Inputs[4]]), 1e-5, "running variance state");
    }
}
