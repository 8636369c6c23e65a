using Spp.Pruning.Engine;
using Spp.Pruning.Training;

namespace Spp.Pruning.Tests.Engine;

/// <summary>SGD steps against PyTorch's update rule evaluated in double, frozen elements (spp-spec.md
/// 3.4), weight decay only where Parameter.Decay, gradient clipping and the rate schedules.</summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class OptimizerTests
{
    public static TheoryData<string, bool> Variants()
    {
        var data = new TheoryData<string, bool>();
        foreach (var b in Backends.All.Keys)
        {
            data.Add(b, false);
            data.Add(b, true);
        }
        return data;
    }

    /// <summary>A ConvNet with random gradients on every parameter and some velocity already.</summary>
    private static (EngineRun Run, Dictionary<string, (float[] W, float[] G, float[] V)> Before) Prepared(string backend)
    {
        var run = new EngineRun(SmallNets.ConvNet(), 2, backend);
        var rng = new Random(4);
        var before = new Dictionary<string, (float[], float[], float[])>();
        foreach (var p in run.Graph.Parameters)
        {
            float[] R() => Enumerable.Range(0, (int)p.Tensor.Count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var (g, v) = (R(), R());
            run.K.Upload(g, p.Tensor.Grad!);
            run.K.Upload(v, p.Velocity);
            before[p.Name] = (run.Read(p.Master, p.Tensor.Count), g, v);
        }
        return (run, before);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Step_follows_pytorch_sgd_with_decay_on_weights_only(string backend, bool nesterov)
    {
        var (run, before) = Prepared(backend);
        using var _ = run;
        var options = new SgdOptions { Momentum = 0.9f, WeightDecay = 0.01f, Nesterov = nesterov };
        using var sgd = new SgdOptimizer(run.K, run.Graph.Parameters, options, LearningRateSchedule.Constant(0.1f));
        Assert.Equal(0.1f, sgd.Step());
        foreach (var p in run.Graph.Parameters)
        {
            var (w, g, v) = before[p.Name];
            double decay = p.Tensor.Shape.Length >= 2 ? 0.01 : 0;
            Assert.Equal(p.Tensor.Shape.Length >= 2, p.Decay);
            var expectW = new float[w.Length];
            var expectV = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                double gi = g[i] + decay * w[i];
                double vi = 0.9 * v[i] + gi;
                expectV[i] = (float)vi;
                expectW[i] = (float)(w[i] - 0.1 * (nesterov ? gi + 0.9 * vi : vi));
            }
            Compare.Close(expectW, run.Read(p.Master, p.Tensor.Count), 1e-6, p.Name);
            Compare.Close(expectV, run.Read(p.Velocity, p.Tensor.Count), 1e-6, p.Name + " velocity");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Frozen_elements_and_their_velocity_stay_bit_identical(string backend)
    {
        var (run, before) = Prepared(backend);
        using var _ = run;
        var names = SmallNets.Names(run.Graph.Model);
        var w2 = run.Graph.Parameter(names.W2)!;
        var b1 = run.Graph.Parameter(names.B1)!;
        // Input channels 1 and 3 of the second conv (a consumer slice) and output channel 2 of the first conv's bias.
        using var inMask = Upload(run.K, [1, 0, 1, 0]);
        using var outMask = Upload(run.K, [1, 1, 0, 1]);
        w2.Freeze.Add(new AxisMask(inMask, 9, 4));
        b1.Freeze.Add(new AxisMask(outMask, 1, 4));
        using var sgd = new SgdOptimizer(run.K, run.Graph.Parameters, new SgdOptions { WeightDecay = 0.1f }, LearningRateSchedule.Constant(0.5f));
        sgd.Step();

        var w = run.Read(w2.Master, w2.Tensor.Count);
        var v = run.Read(w2.Velocity, w2.Tensor.Count);
        for (int e = 0; e < w.Length; e++)
        {
            bool frozen = e / 9 % 4 is 1 or 3;
            Assert.Equal(frozen, w[e] == before[names.W2].W[e] && v[e] == before[names.W2].V[e]);
        }
        var bias = run.Read(b1.Master, 4);
        Assert.Equal(before[names.B1].W[2], bias[2]);
        Assert.Equal(before[names.B1].V[2], run.Read(b1.Velocity, 4)[2]);
        Assert.NotEqual(before[names.B1].W[1], bias[1]);
    }

    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Clipping_scales_gradients_to_the_global_norm(string backend)
    {
        var (run, before) = Prepared(backend);
        using var _ = run;
        double norm = Math.Sqrt(before.Values.Sum(t => t.G.Sum(x => (double)x * x)));
        const float max = 0.5f;
        var options = new SgdOptions { Momentum = 0, ClipNorm = max };
        using var sgd = new SgdOptimizer(run.K, run.Graph.Parameters, options, LearningRateSchedule.Constant(1));
        sgd.Step();
        Assert.Equal(norm, sgd.LastGradNorm, norm * 1e-5);
        foreach (var p in run.Graph.Parameters)
        {
            var (w, g, _) = before[p.Name];
            var expect = w.Select((x, i) => (float)(x - g[i] * max / norm)).ToArray();
            Compare.Close(expect, run.Read(p.Master, p.Tensor.Count), 1e-6, p.Name);
        }
    }

    [Fact]
    public void Schedules_warm_up_linearly_then_follow_cosine_or_steps()
    {
        var cos = LearningRateSchedule.Cosine(0.1f, totalSteps: 110, warmup: 10, final: 0.001f);
        Assert.Equal(0.01f, cos.At(0), 6);
        Assert.Equal(0.1f, cos.At(9), 6);
        Assert.Equal(0.1f, cos.At(10), 6);
        Assert.Equal(0.001 + 0.099 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), cos.At(35), 6);
        Assert.Equal(0.0505f, cos.At(60), 6);
        Assert.Equal(0.001f, cos.At(110), 6);
        Assert.Equal(0.001f, cos.At(500), 6);

        var step = LearningRateSchedule.StepDecay(0.2f, stepSize: 30, gamma: 0.5f, warmup: 5);
        Assert.Equal(0.04f, step.At(0), 6);
        Assert.Equal(0.2f, step.At(34), 6);
        Assert.Equal(0.1f, step.At(35), 6);
        Assert.Equal(0.05f, step.At(94), 6);
        Assert.Equal(0.025f, step.At(95), 6);
        Assert.Equal(0.3f, LearningRateSchedule.Constant(0.3f).At(1000));
    }

    private static IBuffer Upload(IKernels k, float[] values)
    {
        var b = k.Allocate(values.Length);
        k.Upload(values, b);
        return b;
    }
}
