using Spp.Graph;
using Spp.TestModels;
using A = Spp.Graph.Attribute;

namespace Spp.Pruning.Tests.Engine;

/// <summary>
/// BatchNormalization followed by an in-place activation (ReLU, Clip) trains as one kernel (the graph drops the
/// activation's). The fused graph's forward equals ONNX Runtime's, and its outputs and gradients equal, bit for bit
/// on the deterministic backends, those of the same model with an Identity between the two (which keeps them
/// apart): in eval and training mode, on small planes and on planes larger than one statistics block.
/// </summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class FusedActivationTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All.Keys)
            foreach (var c in new[] { "eval_relu", "train_relu", "train_clip", "train_relu_large_planes" })
                data.Add(backend, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_batch_norm_and_activation_equal_the_two_ops_apart(string backend, string name)
    {
        bool training = name.StartsWith("train"), large = name.EndsWith("large_planes");
        int batch = 3;
        long[] dims = large ? [2, 70, 70] : [3, 4, 4];
        var fused = Build(name, training, dims, separated: false);
        var apart = Build(name, training, dims, separated: true);
        var rng = new Random(7);
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromFloats("x", [batch, .. dims], Enumerable.Range(0, (int)(batch * dims.Aggregate(1L, (p, d) => p * d)))
                .Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()),
        };

        using var one = new EngineRun(fused, batch, backend, training).WithInputGradients();
        using var two = new EngineRun(apart, batch, backend, training).WithInputGradients();
        string op = name.Contains("clip") ? "Clip" : "Relu";
        Assert.DoesNotContain(one.Graph.Kernels, k => k.Node.OpType == op);
        Assert.Equal(op, one.Graph.Kernels.Single(k => k.Node.OpType == "BatchNormalization").FusedActivation!.Value.Op.ToString());
        Assert.Null(two.Graph.Kernels.Single(k => k.Node.OpType == "BatchNormalization").FusedActivation);

        one.SetInputs(inputs);
        two.SetInputs(inputs);
        var outOne = one.Forward();
        var outTwo = two.Forward();
        var ort = OrtHarness.Run(fused, inputs);
        Compare.Close(ort[0].ToFloats(), outOne[0], 1e-5, $"{name}: fused output against ONNX Runtime");

        var seeds = one.Graph.Outputs.Select((o, i) => i == 0
            ? Enumerable.Range(0, (int)o.Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()
            : new float[(int)o.Count]).ToList();
        one.Backward(seeds);
        two.Backward(seeds);

        for (int i = 0; i < outOne.Count; i++) Compare.Same(backend, outTwo[i], outOne[i], $"output {i}");
        Compare.Same(backend, two.Read(two.Graph.Inputs[0].Grad!, two.Graph.Inputs[0].Count), one.Read(one.Graph.Inputs[0].Grad!, one.Graph.Inputs[0].Count), "d/dx");
        Assert.Equal(2, one.Graph.Parameters.Count);
        foreach (var p in one.Graph.Parameters)
        {
            var q = two.Graph.Parameter(p.Name)!;
            Compare.Same(backend, two.Read(q.Tensor.Grad!, q.Tensor.Count), one.Read(p.Tensor.Grad!, p.Tensor.Count), $"d/d{p.Name}");
        }
    }

    /// <summary>A residual Add with its ReLU fused in: output and both operands' gradients equal those of the two ops apart
    /// (the Add also hands its gradient buffer to one operand), and the forward ONNX Runtime's.</summary>
    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Fused_add_and_relu_equal_the_two_ops_apart(string backend)
    {
        Model Build(bool separated)
        {
            var b = new ModelBuilder(seed: 5, opset: 13);
            var x = b.Input("x", 3, 5, 5);
            // Both operands computed (a Conv and the input's Relu), so both need gradients and the Add writes one of them.
            var sum = b.Add(b.Conv(x, 3), b.Node("Relu", [x]));
            if (separated) sum = b.Node("Identity", [sum]);
            b.Output(b.Relu(sum));
            return b.Build();
        }
        var fused = Build(false);
        var apart = Build(true);
        var rng = new Random(4);
        const int batch = 2;
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromFloats("x", [batch, 3, 5, 5], Enumerable.Range(0, batch * 75).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()),
        };
        using var one = new EngineRun(fused, batch, backend, training: true).WithInputGradients();
        using var two = new EngineRun(apart, batch, backend, training: true).WithInputGradients();
        Assert.Equal("Relu", one.Graph.Kernels.Single(k => k.Node.OpType == "Add").FusedActivation!.Value.Op.ToString());
        Assert.Null(two.Graph.Kernels.Single(k => k.Node.OpType == "Add").FusedActivation);
        one.SetInputs(inputs);
        two.SetInputs(inputs);
        var outOne = one.Forward();
        var outTwo = two.Forward();
        Compare.Close(OrtHarness.Run(fused, inputs)[0].ToFloats(), outOne[0], 1e-5, "fused Add+Relu against ONNX Runtime");
        var seed = Enumerable.Range(0, (int)one.Graph.Outputs[0].Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        one.Backward([seed]);
        two.Backward([seed]);
        Compare.Same(backend, outTwo[0], outOne[0], "output");
        Compare.Same(backend, two.Read(two.Graph.Inputs[0].Grad!, two.Graph.Inputs[0].Count), one.Read(one.Graph.Inputs[0].Grad!, one.Graph.Inputs[0].Count), "d/dx");
        foreach (var (p, q) in one.Graph.Parameters.Zip(two.Graph.Parameters))
            Compare.Same(backend, two.Read(q.Tensor.Grad!, q.Tensor.Count), one.Read(p.Tensor.Grad!, p.Tensor.Count), $"d/d{p.Name}");
    }

    /// <summary>
    /// BN outputs exactly on the activation's bounds (channels whose input is one constant normalise to 0, so BN writes its
    /// bias there: 0 for ReLU, 0 and 6 for ReLU6 = Clip(0, 6)): the fused backward, which reads the activated output
    /// to decide the slope, gives the gradients of the two ops apart, whose activation reads its input; and as PyTorch
    /// (threshold_backward, hardtanh_backward) no gradient passes at a bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Outputs_exactly_on_the_bounds_take_the_gradient_of_the_ops_apart(string backend)
    {
        foreach (var (name, bounds) in new[] { ("train_relu", new[] { 0f, 0f }), ("train_clip06", new[] { 0f, 6f }) })
        {
            const int batch = 3;
            long[] dims = [4, 4, 4];
            Model Make(bool separated)
            {
                var m = Build(name, training: true, dims, separated);
                var bn = m.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");
                // Channels 0 and 1 end on the bounds; 2 and 3 (random input) straddle them.
                m.Graph.Initializers[bn.Inputs[2]] = Tensor.FromFloats(bn.Inputs[2], [4], [bounds[0], bounds[1], 0.1f, -0.2f]);
                return m;
            }
            var fused = Make(separated: false);
            var apart = Make(separated: true);
            var rng = new Random(11);
            var x = new float[batch * 64];
            for (int i = 0; i < x.Length; i++)
                x[i] = (i / 16 % 4) < 2 ? 1.5f : (float)(rng.NextDouble() * 2 - 1);
            var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats("x", [batch, .. dims], x) };
            using var one = new EngineRun(fused, batch, backend, training: true).WithInputGradients();
            using var two = new EngineRun(apart, batch, backend, training: true).WithInputGradients();
            Assert.NotNull(one.Graph.Kernels.Single(k => k.Node.OpType == "BatchNormalization").FusedActivation);
            one.SetInputs(inputs);
            two.SetInputs(inputs);
            var y = one.Forward();
            var y2 = two.Forward();
            // The premise: the constant channels' outputs are exactly the bounds.
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < 2; c++)
                    Assert.All(y[0].AsSpan(n * 64 + c * 16, 16).ToArray(), v => Assert.Equal(bounds[c], v));
            var seeds = one.Graph.Outputs.Select((o, i) => i == 0
                ? Enumerable.Range(0, (int)o.Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()
                : new float[(int)o.Count]).ToList();
            one.Backward(seeds);
            two.Backward(seeds);
            Compare.Same(backend, y2[0], y[0], "output");
            var dx = one.Read(one.Graph.Inputs[0].Grad!, one.Graph.Inputs[0].Count);
            Compare.Same(backend, two.Read(two.Graph.Inputs[0].Grad!, two.Graph.Inputs[0].Count), dx, "d/dx");
            var grads = one.Graph.Parameters.Select(p => one.Read(p.Tensor.Grad!, p.Tensor.Count)).ToList();
            foreach (var (p, q) in one.Graph.Parameters.Zip(two.Graph.Parameters))
                Compare.Same(backend, two.Read(q.Tensor.Grad!, q.Tensor.Count), one.Read(p.Tensor.Grad!, p.Tensor.Count), $"d/d{p.Name}");
            // Nothing passes at a bound: the constant channels' input, scale and bias gradients are zero.
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < 2; c++)
                    Assert.All(dx.AsSpan(n * 64 + c * 16, 16).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(grads, g => Assert.Equal([0f, 0f], g[..2]));
            Assert.All(grads, g => Assert.NotEqual([0f, 0f], g[2..]));
        }
    }

    /// <summary>x -> BatchNormalization (training mode: with its running-statistics outputs) -> [Identity ->] activation.</summary>
    private static Model Build(string name, bool training, long[] dims, bool separated)
    {
        var b = new ModelBuilder(seed: 5, opset: 15);
        var y = b.BatchNorm(b.Input("x", dims));
        var bn = b.Graph.Nodes[^1];
        if (training)
        {
            bn.SetAttr(A.Int("training_mode", 1));
            bn.SetAttr(A.Float("momentum", 0.8f));
            bn.Outputs.AddRange([y + "_mean", y + "_var"]);
        }
        if (separated) y = b.Node("Identity", [y]);
        y = name.Contains("clip06") ? b.Node("Clip", [y, b.Const("lo", [], [0f]), b.Const("hi", [], [6f])])
            : name.Contains("clip") ? b.Node("Clip", [y, b.Const("lo", [], [-0.3f]), b.Const("hi", [], [0.4f])]) : b.Relu(y);
        b.Output(y);
        if (training)
        {
            b.Output(bn.Outputs[1]);
            b.Output(bn.Outputs[2]);
        }
        return b.Build();
    }
}
