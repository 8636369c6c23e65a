using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>The step profile behind `bench train-step --profile`: every op of the graph appears in
/// each pass it runs, with the graph's own node counts (an activation fused into the BN before it counted with
/// it), and the optimizer once per step.</summary>
public sealed class OpProfileTests
{
    [Fact]
    public void Profile_counts_each_op_per_step()
    {
        var model = RealModels.Load("resnet20.bn.onnx");
        var sample = Npy.ReadNpz(RepoPaths.Model("resnet20.ref.npz"));
        const int batch = 2, steps = 3;
        var options = new TrainingOptions { Batch = batch, Lr = 0.01f };
        using var k = Backends.Create("cpu");
        using var trainer = new Trainer(k, model, options, null, LearningRateSchedule.Constant(options.Lr));
        var profile = new OpProfile();
        trainer.Context.Profile = profile;
        var images = sample["input"].ToFloats()[..(batch * 28 * 28)];
        var labels = sample["labels"].ToInt64s()[..batch].Select(l => (int)l).ToArray();
        for (int i = 0; i < steps; i++) trainer.Step(new Batch(images, labels, new SampleShape(1, 28, 28)));

        var entries = profile.PerStep().ToDictionary(e => (e.Op, e.Pass));
        Assert.Equal(steps, profile.Steps);
        var nodeCounts = model.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        // Every ReLU runs inside the op before it: the BN of each block's first convolution (and the stem's), and each
        // residual Add.
        const int afterBn = 10, afterAdd = 9;
        foreach (var pass in new[] { "forward", "backward" })
        {
            Assert.Equal(afterBn, entries[("BatchNormalization+Relu", pass)].CallsPerStep);
            Assert.Equal(afterAdd, entries[("Add+Relu", pass)].CallsPerStep);
        }
        Assert.Equal(afterBn + afterAdd, nodeCounts["Relu"]);
        Assert.DoesNotContain(entries.Keys, e => e.Op == "Relu");
        var fused = new Dictionary<string, int> { ["BatchNormalization"] = afterBn, ["Add"] = afterAdd };
        foreach (var (op, count) in nodeCounts.Where(c => c.Key is not ("Identity" or "Relu")))
            Assert.Equal(count - fused.GetValueOrDefault(op), entries.TryGetValue((op, "forward"), out var e) ? e.CallsPerStep : 0);
        Assert.Equal(nodeCounts["Conv"], entries[("Conv", "backward")].CallsPerStep);
        Assert.Equal(1, entries[("(optimizer)", "update")].CallsPerStep);
        Assert.All(entries.Values, e => Assert.True(e.MsPerStep >= 0));
    }
}
