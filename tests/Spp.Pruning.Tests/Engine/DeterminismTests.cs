using Spp.Pruning.Training;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Training is reproducible: the same seed gives bit-identical weights and BN statistics
/// after several steps (Dropout masks included), another seed does not.</summary>
public sealed class DeterminismTests
{
    private const int Batch = 4;

    private static float[] Train(string backend, ulong seed)
    {
        using var run = new EngineRun(SmallNets.ConvNet(dropout: true), Batch, backend, training: true, seed: seed);
        using var loss = ClassificationLoss.CrossEntropy(run.K, Batch, 4);
        using var sgd = new SgdOptimizer(run.K, run.Graph.Parameters, new SgdOptions { WeightDecay = 1e-3f }, LearningRateSchedule.Cosine(0.1f, 4, warmup: 1));
        for (int step = 0; step < 4; step++)
        {
            run.Ctx.Step = (ulong)step;
            run.Graph.SetInput(0, SmallNets.RandomInput(Batch * 108, step));
            run.Graph.ZeroGrads();
            run.Graph.Forward(run.Ctx);
            loss.Compute(run.Graph, [0, 1, 2, 3], null);
            run.Graph.Backward(run.Ctx);
            sgd.Step();
        }
        var exported = run.Graph.Export();
        return exported.Graph.Initializers.Values.SelectMany(t => t.ToFloats()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Same_seed_same_weights_other_seed_other_weights(string backend)
    {
        var a = Train(backend, 42);
        Assert.Equal(a, Train(backend, 42));
        Assert.NotEqual(a, Train(backend, 43));
        var initial = SmallNets.ConvNet(dropout: true).Graph.Initializers.Values.SelectMany(t => t.ToFloats()).ToArray();
        Assert.NotEqual(initial, a);
    }
}
