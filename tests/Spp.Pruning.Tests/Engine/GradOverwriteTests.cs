using Spp.Graph;
using Spp.Pruning.Data;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Gradients are written outright by the first kernel to reach them in backward rather than zeroed
/// and added to (<see cref="Spp.Pruning.Engine.TrainTensor.GradOverwritten"/>): a conv output by its BN, the
/// residual stream by the next block's Add (its convolution then adds to it). Whatever a previous step left
/// in the gradient buffers (NaN here) must not reach the parameters' gradients, and values seeded by the
/// loss must still be summed from zero.</summary>
public sealed class GradOverwriteTests
{
    [Theory]
    [MemberData(nameof(Backends.Deterministic), MemberType = typeof(Backends))]
    public void Stale_gradients_do_not_leak_into_a_step(string backend)
    {
        var model = RealModels.Load("resnet20.bn.onnx");
        var sample = Npy.ReadNpz(RepoPaths.Model("resnet20.ref.npz"));
        const int batch = 4;
        var input = sample["input"].ToFloats()[..(batch * 28 * 28)];
        var labels = sample["labels"].ToInt64s()[..batch];

        float[][] Gradients(bool poison)
        {
            using var run = new EngineRun(model, batch, backend, training: true);
            var marked = run.Graph.Tensors.Values.Distinct().Where(t => t.GradOverwritten).ToList();
            Assert.NotEmpty(marked);
            Assert.Contains(marked, t => t.GradWriter!.Node.OpType == "Add");
            Assert.DoesNotContain(run.Graph.Outputs[0], marked);
            Assert.DoesNotContain(marked, t => run.Graph.Parameter(t.Name) is not null);
            if (poison)
                foreach (var t in run.Graph.Tensors.Values.Distinct())
                    if (t.Grad is { } g) run.K.Fill(g, float.NaN, 0, t.Count);
            using var loss = ClassificationLoss.CrossEntropy(run.K, batch, 10);
            run.Graph.SetInput(0, input);
            run.Graph.Forward(run.Ctx);
            run.Graph.ZeroGrads();
            loss.Compute(run.Graph, labels, null);
            run.Graph.Backward(run.Ctx);
            return run.Graph.Parameters.Select(p => run.Read(p.Tensor.Grad!, p.Tensor.Count)).ToArray();
        }

        var clean = Gradients(poison: false);
        var poisoned = Gradients(poison: true);
        for (int i = 0; i < clean.Length; i++)
        {
            Assert.All(poisoned[i], v => Assert.True(float.IsFinite(v)));
            Assert.Equal(clean[i], poisoned[i]);
        }
    }

    /// <summary>Each residual Add hands its output's gradient buffer to one operand, which it would only copy it to
    /// (<see cref="Spp.Pruning.Engine.OpKernel.PassesGradThrough"/>); the other operand's gradient stays its own. (The
    /// gradients that result are checked against PyTorch's in the parity tests, and above with stale buffers.)</summary>
    [Theory]
    [InlineData("resnet20.bn.onnx", 9)]
    [InlineData("mbv2s.bn.onnx", 5)]
    public void Residual_adds_hand_their_gradient_to_one_operand(string file, int adds)
    {
        var model = RealModels.Load(file);
        Assert.Equal(adds, model.Graph.Nodes.Count(n => n.OpType == "Add"));
        using var run = new EngineRun(model, 2, "cpu", training: true);
        var kernels = run.Graph.Kernels.Where(k => k.Node.OpType == "Add").ToList();
        Assert.All(kernels, k =>
        {
            Assert.Single(k.Inputs, x => x!.Grad == k.Outputs[0].Grad);
            Assert.NotSame(k.Inputs[0]!.Grad, k.Inputs[1]!.Grad);
        });
    }
}
