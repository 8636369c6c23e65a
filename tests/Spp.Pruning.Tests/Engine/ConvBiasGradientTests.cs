using Spp.Graph;
using Spp.TestModels;
using A = Spp.Graph.Attribute;

namespace Spp.Pruning.Tests.Engine;

/// <summary>A Conv whose weights are constant (an expression of an initializer, folded) and whose bias and input need
/// gradients: the bias still gets its gradient (the sum of the output gradient over batch and positions).</summary>
public sealed class ConvBiasGradientTests
{
    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Bias_gradient_with_constant_weights_and_an_input_gradient(string backend)
    {
        const int batch = 2;
        var b = new ModelBuilder(seed: 3, opset: 13);
        var x = b.Input("x", 3, 5, 5);
        // Weight through Identity: folded to a constant, not a parameter; the bias is a parameter.
        var w = b.Node("Identity", [b.Weight("w", [4, 3, 3, 3])]);
        var y = b.Node("Conv", [x, w, b.Weight("b", [4], 0.1)], A.IntList("kernel_shape", 3, 3),
            A.IntList("pads", 1, 1, 1, 1));
        b.Output(y);
        using var run = new EngineRun(b.Build(), batch, backend, training: true).WithInputGradients();
        var conv = run.Graph.Kernels.Single(k => k.Node.OpType == "Conv");
        Assert.Null(conv.Inputs[1]!.Grad);
        Assert.NotNull(conv.Inputs[0]!.Grad);
        var rng = new Random(1);
        run.SetInputs(new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromFloats("x", [batch, 3, 5, 5], Enumerable.Range(0, batch * 75).Select(_ => (float)rng.NextDouble()).ToArray()),
        });
        var outs = run.Forward();
        run.Backward([outs[0].Select(_ => 1f).ToArray()]);
        // d(sum y)/d(bias[c]) = batch * 5 * 5 = 50.
        Assert.Equal([50f, 50f, 50f, 50f], run.Read(conv.Inputs[2]!.Grad!, 4));
    }
}
