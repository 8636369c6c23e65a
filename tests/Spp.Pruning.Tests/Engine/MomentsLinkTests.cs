using Spp.Graph;
using Spp.TestModels;
using A = Spp.Graph.Attribute;

namespace Spp.Pruning.Tests.Engine;

/// <summary>
/// A convolution read only by a training-mode BatchNormalization hands it the statistics of its output as it writes it
/// (<see cref="Spp.Pruning.Engine.MomentsLink"/>), so BN does not read the output back for them. The results must be
/// those of the two ops kept apart (an Identity between them) bit for bit: outputs, saved and running statistics,
/// gradients, over the convolution's paths (row tiles, the planes' GEMM, side-by-side images, depthwise, threads
/// inside one image, planes too large for plane-order statistics) and over steps (the link is valid for one forward).
/// </summary>
public sealed class MomentsLinkTests
{
    [Fact]
    public void Every_resnet20_convolution_hands_its_batch_norm_the_statistics()
    {
        using var run = new EngineRun(RealModels.Load("resnet20.bn.onnx"), 2, "cpu", training: true);
        var convs = run.Graph.Kernels.Where(k => k.Node.OpType == "Conv").ToList();
        Assert.Equal(21, convs.Count);
        Assert.All(convs, conv =>
        {
            Assert.NotNull(conv.Moments);
            var bn = run.Graph.Kernels.Single(k => k.Inputs[0] == conv.Outputs[0]);
            Assert.Equal("BatchNormalization", bn.Node.OpType);
            Assert.Same(conv.Moments, bn.Moments);
        });
    }

    public static TheoryData<string, int, long, long, long, int, int> Cases() => new()
    {
        // name, batch, input channels, height, width, output channels, group
        { "row tiles (48 channels on 7x7)", 4, 16, 7, 7, 48, 1 },
        { "planes' GEMM (16 channels on 12x12)", 3, 8, 12, 12, 16, 1 },
        { "side by side (4x4 maps)", 5, 8, 4, 4, 16, 1 },
        { "threads inside one wide image (2 images of 3x3)", 2, 8, 3, 3, 16, 1 },
        { "depthwise", 3, 16, 9, 9, 16, 16 },
        { "depthwise with the channels in the lanes (7x7, 40 channels)", 4, 40, 7, 7, 40, 40 },
        { "planes above one statistics block (70x70)", 2, 2, 70, 70, 4, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Linked_statistics_equal_batch_norm_reading_the_output(string name, int batch, long cin, long h, long w, int cout, int group)
    {
        var linked = Build(cin, h, w, cout, group, separated: false);
        var apart = Build(cin, h, w, cout, group, separated: true);
        var rng = new Random(3);
        var x = Tensor.FromFloats("x", [batch, cin, h, w], Enumerable.Range(0, (int)(batch * cin * h * w)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };

        using var one = new EngineRun(linked, batch, "cpu", training: true).WithInputGradients();
        using var two = new EngineRun(apart, batch, "cpu", training: true).WithInputGradients();
        Assert.NotNull(one.Graph.Kernels.Single(k => k.Node.OpType == "Conv").Moments);
        Assert.Null(two.Graph.Kernels.Single(k => k.Node.OpType == "Conv").Moments);
        for (int step = 0; step < 2; step++)
        {
            one.SetInputs(inputs);
            two.SetInputs(inputs);
            var a = one.Forward();
            var b = two.Forward();
            for (int i = 0; i < a.Count; i++) Assert.True(b[i].AsSpan().SequenceEqual(a[i]), $"{name}, step {step}: output {i} differs");
            var seeds = one.Graph.Outputs.Select((o, i) => i == 0
                ? Enumerable.Range(0, (int)o.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()
                : new float[(int)o.Count]).ToList();
            one.Backward(seeds);
            two.Backward(seeds);
            // The same parameters in the same order (their names differ: the builder numbers values as it adds nodes).
            Assert.Equal(4, one.Graph.Parameters.Count);
            foreach (var (p, q) in one.Graph.Parameters.Zip(two.Graph.Parameters))
                Assert.True(two.Read(q.Tensor.Grad!, q.Tensor.Count).AsSpan().SequenceEqual(one.Read(p.Tensor.Grad!, p.Tensor.Count)),
                    $"{name}, step {step}: d/d{p.Name} differs");
        }
        // Running statistics after two steps (the state Export writes).
        Assert.Equal(2, one.Graph.State.Count);
        foreach (var (s1, s2) in one.Graph.State.OrderBy(e => e.Key).Zip(two.Graph.State.OrderBy(e => e.Key)))
            Assert.True(two.Graph.Download(s2.Value).AsSpan().SequenceEqual(one.Graph.Download(s1.Value)), $"{name}: {s1.Key} differs");
        // Eval mode: the link is left unused and BN reads its running statistics.
        one.Ctx.Training = two.Ctx.Training = false;
        Assert.True(two.Forward()[0].AsSpan().SequenceEqual(one.Forward()[0]), $"{name}: eval output differs");
    }

    /// <summary>A link's buffer is allocated by the first training forward that takes statistics: evaluating, or training
    /// with BN frozen, leaves it unallocated. A backend that cannot write the statistics (ILGPU) gets no links.</summary>
    [Fact]
    public void Links_take_memory_only_when_training_takes_statistics()
    {
        var model = Build(8, 6, 6, 16, 1, separated: false);
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromFloats("x", [2, 8, 6, 6], Enumerable.Range(0, 2 * 8 * 36).Select(i => MathF.Sin(i)).ToArray()),
        };
        using var run = new EngineRun(model, 2, "cpu", training: false);
        var link = run.Graph.Kernels.Single(k => k.Node.OpType == "Conv").Moments!;
        run.SetInputs(inputs);
        run.Forward();
        Assert.False(link.Allocated);
        run.Ctx.Training = true;
        run.Ctx.FrozenBatchNorm = true;
        run.Forward();
        Assert.False(link.Allocated);
        run.Ctx.FrozenBatchNorm = false;
        run.Forward();
        Assert.True(link.Allocated);

        using var ilgpu = new EngineRun(model, 2, "ilgpu-cpu", training: true);
        Assert.All(ilgpu.Graph.Kernels, k => Assert.Null(k.Moments));
    }

    /// <summary>x -> Conv (3x3, pad 1) -> [Identity ->] BatchNormalization (training mode, with its running-statistics outputs).</summary>
    private static Model Build(long cin, long h, long w, int cout, int group, bool separated)
    {
        var b = new ModelBuilder(seed: 9, opset: 15);
        var y = b.Conv(b.Input("x", cin, h, w), cout, group: group);
        if (separated) y = b.Node("Identity", [y]);
        y = b.BatchNorm(y);
        var bn = b.Graph.Nodes[^1];
        bn.SetAttr(A.Int("training_mode", 1));
        bn.SetAttr(A.Float("momentum", 0.8f));
        bn.Outputs.AddRange([y + "_mean", y + "_var"]);
        foreach (var o in bn.Outputs) b.Output(o);
        return b.Build();
    }
}
