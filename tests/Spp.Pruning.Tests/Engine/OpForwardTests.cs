using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Every op case's forward pass equals ONNX Runtime's on the same inputs, to 1e-5 of the
/// output's scale (training-mode BatchNormalization too: ORT runs it with training_mode=1).</summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class OpForwardTests
{
    public static TheoryData<string, string> Cases => OpCatalog.ByBackend();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_onnx_runtime(string backend, string name)
    {
        var c = OpCatalog.Find(name);
        if (!c.Ort) return;
        var model = c.Build();
        var inputs = c.Inputs(model, seed: 11);
        var expected = OrtHarness.Run(model, inputs);
        using var run = new EngineRun(model, c.Batch, backend, c.Training);
        run.SetInputs(inputs);
        var actual = run.Forward();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < (c.OrtOutputs ?? actual.Count); i++)
        {
            Assert.Equal(expected[i].Dims, run.Graph.Outputs[i].Shape.Select(d => (long)d).ToArray());
            Compare.Close(expected[i].ToFloats(), actual[i], 1e-5, $"{name} output {i}");
        }
    }
}
