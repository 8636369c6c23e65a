using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>ReLU and ReLU6 (Clip) run in place of their input when nothing else needs it: after BN and
/// after the residual Add in resnet20, after BN in mbv2s. (The gradients this gives are checked against
/// PyTorch's in the parity tests and by finite differences in the graph tests.)</summary>
public sealed class InPlaceActivationTests
{
    [Theory]
    [InlineData("resnet20.bn.onnx", "Relu", 19)]
    [InlineData("mbv2s.bn.onnx", "Clip", 17)]
    public void Activations_share_their_input_buffers(string file, string op, int expected)
    {
        using var run = new EngineRun(RealModels.Load(file), 2, "cpu", training: true);
        var activations = run.Graph.Kernels.Where(k => k.Node.OpType == op).ToList();
        Assert.Equal(expected, activations.Count);
        Assert.All(activations, k =>
        {
            Assert.Same(k.Inputs[0]!.Data, k.Outputs[0].Data);
            Assert.Same(k.Inputs[0]!.Grad, k.Outputs[0].Grad);
        });
        // Everything else keeps buffers of its own.
        var others = run.Graph.Kernels.Where(k => k.Node.OpType != op && k.Inputs.Length > 0 && k.Inputs[0] is not null);
        Assert.All(others, k => Assert.NotSame(k.Inputs[0]!.Data, k.Outputs[0].Data));
    }
}
