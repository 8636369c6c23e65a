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
        // The ReLU after each block's first BN (and the stem's) runs inside it (BatchNormalization+Relu); the one after
        // each residual Add on its own.
        const int fusedPairs = 10;
        Assert.Equal(fusedPairs, entries[("BatchNormalization+Relu", "forward")].CallsPerStep);
        Assert.Equal(fusedPairs, entries[("BatchNormalization+Relu", "backward")].CallsPerStep);
        var fused = new Dictionary<string, int> { ["BatchNormalization"] = fusedPairs, ["Relu"] = fusedPairs };
        foreach (var (op, count) in nodeCounts.Where(c => c.Key != "Identity"))
            Assert.Equal(count - fused.GetValueOrDefault(op), entries[(op, "forward")].CallsPerStep);
        Assert.Equal(nodeCounts["Conv"], entries[("Conv", "backward")].CallsPerStep);
        Assert.Equal(1, entries[("(optimizer)", "update")].CallsPerStep);
        Assert.All(entries.Values, e => Assert.True(e.MsPerStep >= 0));
    }
}
