using Spp.Pruning.Engine;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>ReLU and ReLU6 (Clip) run in place of their input when nothing else needs it: after BN and
/// after the residual Add in resnet20, after BN in mbv2s. They are then fused into that op (it writes the
/// activated values; their kernels leave the graph). (The gradients this gives are checked against PyTorch's in
/// the parity tests and against the ops kept apart in FusedActivationTests.)</summary>
public sealed class InPlaceActivationTests
{
    [Theory]
    [InlineData("resnet20.bn.onnx", "Relu", 19, 10, 9)]
    [InlineData("mbv2s.bn.onnx", "Clip", 17, 17, 0)]
    public void Activations_share_their_input_buffers_and_are_fused_into_the_op_before(string file, string op, int inModel, int afterBn, int afterAdd)
    {
        var model = RealModels.Load(file);
        Assert.Equal(inModel, model.Graph.Nodes.Count(n => n.OpType == op));
        using var run = new EngineRun(model, 2, "cpu", training: true);
        var activations = run.Graph.Kernels.Where(k => k.Node.OpType == op).ToList();
        int fused = afterBn + afterAdd;
        Assert.Equal(inModel - fused, activations.Count);
        Assert.All(activations, k =>
        {
            Assert.Same(k.Inputs[0]!.Data, k.Outputs[0].Data);
            Assert.Same(k.Inputs[0]!.Grad, k.Outputs[0].Grad);
            Assert.NotEqual("BatchNormalization", run.Graph.Kernels.Single(p => p.Outputs.Contains(k.Inputs[0])).Node.OpType);
        });
        var withActivation = run.Graph.Kernels.Where(k => k.FusedActivation is not null).ToList();
        Assert.Equal(fused, withActivation.Count);
        Assert.Equal(afterBn, withActivation.Count(k => k.Node.OpType == "BatchNormalization"));
        Assert.Equal(afterAdd, withActivation.Count(k => k.Node.OpType == "Add"));
        Assert.All(withActivation, k => Assert.Equal(op, k.FusedActivation!.Value.Op.ToString()));
        if (op == "Clip") Assert.All(withActivation, k => Assert.Equal((0f, 6f), (k.FusedActivation!.Value.A, k.FusedActivation.Value.B)));
        // Everything else keeps buffers of its own.
        var others = run.Graph.Kernels.Where(k => k.Node.OpType != op && k.Inputs.Length > 0 && k.Inputs[0] is not null);
        Assert.All(others, k => Assert.NotSame(k.Inputs[0]!.Data, k.Outputs[0].Data));
    }
}
