using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Methods;
using Spp.Pruning.Tests.Engine;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Training;

/// <summary>
/// A run stopped at a step boundary and continued from its checkpoint ends bit for bit where the
/// uninterrupted run ends, on the CPU backend: weights, BatchNorm statistics, the removed units, the
/// method's trajectories and the curve. The net has Dropout and the data augmentation, so the RNG
/// positions are exercised too; interruptions fall inside an epoch, after SPP/Taylor/IncReg have
/// retired units, and in a later epoch than the start.
/// </summary>
public sealed class ResumeTests
{
    private static readonly TrainingOptions Options = new()
    {
        Batch = 8, Lr = 0.05f, Seed = 3, BatchNormCalibrationBatches = 2, Augmentation = new Augmentation(1, 0f, true),
    };
    private static readonly Dictionary<string, string> Key = new() { ["test"] = "resume" };

    public static TheoryData<string, long> Interruptions => new()
    {
        { "spp", 4 }, { "spp", 9 }, { "taylor", 7 }, { "increg", 5 },
    };

    private static IPruningMethod Method(string name) => name switch
    {
        // Large increments, so that units retire within the few steps of the test.
        "spp" => new SppMethod(interval: 2, maxUpdates: 100, a: 0.3),
        "taylor" => new TaylorMethod(frequency: 3, steps: 4),
        _ => new IncRegMethod(aReg: 0.05, lambdaTarget: 0.2),
    };

    private static (PrunePhaseResult Result, List<CurvePoint> Curve) Prune(string method, DataSource data, CancellationToken cancel = default,
        IProgress<TrainProgress>? progress = null, CheckpointSession? checkpoints = null)
    {
        var model = SmallNets.ConvNet(dropout: true);
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var targets = analysis.PrunableGroups.ToDictionary(g => g.Id, g => g.Width / 2);
        var curve = new List<CurvePoint>();
        var r = PruneTrainer.Run(new CpuKernels(), model, targets, Method(method), data, null, Options, budget: 12, curve, progress, cancel, checkpoints);
        return (r, curve);
    }

    [Theory]
    [MemberData(nameof(Interruptions))]
    public void Pruning_phase_resumed_from_a_checkpoint_ends_where_the_uninterrupted_run_ends(string method, long stopAfter)
    {
        using var data = new TinyData();
        using var tmp = RepoPaths.Temp();
        string path = tmp.File("run.ckpt");
        var (expected, expectedCurve) = Prune(method, data.Source);

        var stop = new StopAt(method, stopAfter);
        var first = CheckpointSession.Open(path, Key, restart: false, stop.Token, Assert.Fail);
        var e = Assert.Throws<TrainingInterruptedException>(() => Prune(method, data.Source, stop.Token, stop, first));
        Assert.Equal((method, stopAfter, path), (e.Phase, e.Step, e.CheckpointPath));

        var second = CheckpointSession.Open(path, Key, restart: false, CancellationToken.None, Assert.Fail);
        Assert.Equal(stopAfter, second.Resume!.Position.Step);
        var (resumed, resumedCurve) = Prune(method, data.Source, checkpoints: second);

        AssertSameWeights(expected.Trained, resumed.Trained);
        Assert.Equal(expected.Plan.Removed.OrderBy(kv => kv.Key).Select(kv => (kv.Key, string.Join(",", kv.Value))),
            resumed.Plan.Removed.OrderBy(kv => kv.Key).Select(kv => (kv.Key, string.Join(",", kv.Value))));
        Assert.Equal(expected.StepsUsed, resumed.StepsUsed);
        Assert.Equal(expected.Trajectories.Select(t => (t.Step, t.Group, string.Join(",", t.Values))), resumed.Trajectories.Select(t => (t.Step, t.Group, string.Join(",", t.Values))));
        Assert.Equal(expectedCurve, resumedCurve);
        Assert.NotEmpty(expected.Plan.Removed);
    }

    [Theory]
    [InlineData(3)]     // inside the first epoch
    [InlineData(6)]     // at an epoch boundary
    [InlineData(10)]    // inside the second epoch
    public void Fine_tuning_resumed_from_a_checkpoint_ends_where_the_uninterrupted_run_ends(long stopAfter)
    {
        using var data = new TinyData();
        using var tmp = RepoPaths.Temp();
        string path = tmp.File("ft.ckpt");
        var model = SmallNets.ConvNet(dropout: true);
        // Validation at every epoch end (steps 6 and 12): the curve must hold each evaluation once.
        Model Tune(List<CurvePoint> curve, CancellationToken cancel = default, IProgress<TrainProgress>? progress = null, CheckpointSession? checkpoints = null) =>
            FineTuner.Run(new CpuKernels(), model, null, data.Source, data.Source, Options, steps: 14, curve, progress, cancel, checkpoints: checkpoints);
        var (expectedCurve, resumedCurve) = (new List<CurvePoint>(), new List<CurvePoint>());
        var expected = Tune(expectedCurve);

        var stop = new StopAt(FineTuner.Phase, stopAfter);
        var e = Assert.Throws<TrainingInterruptedException>(() => Tune([], stop.Token, stop, CheckpointSession.Open(path, Key, false, stop.Token, Assert.Fail)));
        Assert.Equal(stopAfter, e.Step);
        var resumed = Tune(resumedCurve, checkpoints: CheckpointSession.Open(path, Key, false, CancellationToken.None, Assert.Fail));
        AssertSameWeights(expected, resumed);
        Assert.Equal(expectedCurve, resumedCurve);
        Assert.Equal(2, expectedCurve.Count(p => p.ValAccuracy is not null));
    }

    [Fact]
    public void Checkpoints_saved_along_the_way_change_nothing()
    {
        using var data = new TinyData();
        using var tmp = RepoPaths.Temp();
        var (plain, _) = Prune("spp", data.Source);
        // A zero interval saves at every boundary.
        var every = CheckpointSession.Open(tmp.File("c"), Key, false, CancellationToken.None, Assert.Fail);
        every.Interval = TimeSpan.Zero;
        var (saved, _) = Prune("spp", data.Source, checkpoints: every);
        AssertSameWeights(plain.Trained, saved.Trained);
        Assert.True(File.Exists(tmp.File("c")));
    }

    private static void AssertSameWeights(Model expected, Model actual)
    {
        var floats = expected.Graph.Initializers.Values.Where(t => t.ElementType == ElementType.Float).ToList();
        Assert.NotEmpty(floats);
        foreach (var t in floats)
            Assert.True(t.RawData.AsSpan().SequenceEqual(actual.Graph.Initializers[t.Name].RawData), $"initializer {t.Name} differs");
    }
}
