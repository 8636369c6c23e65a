using System.Text.Json;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Cpu;

namespace Spp.Bench;

/// <summary>
/// `train`: the CPU training backend (<see cref="CpuKernels"/>) on the work of a resnet20 (CIFAR) training step
/// at batch 128: each conv layer's forward and both gradients as the engine calls them (gradients
/// accumulated), in GFLOP/s and % of the measured FMA peak, with the step's conv total weighted by how many
/// layers have each shape; then the element-wise, BatchNorm, reduction and SGD primitives on that network's
/// activation sizes, in GB/s of the traffic they cannot avoid (each input read once, each output written once).
/// </summary>
public static class TrainBench
{
    private sealed record Row(string Kind, string Shape, double Value, string Unit, double PercentOfPeak, double Milliseconds);

    public static int Run(string[] args)
    {
        if (BenchArgs.Threads(args) is not int threads) return 2;
        double seconds = args.Contains("--quick") ? 0.3 : 1.0;
        using var k = new CpuKernels(threads);
        double peak = Peak.MeasureGflops(k.DegreeOfParallelism);
        var rows = new List<Row> { new("peak", $"FMA chains, {k.DegreeOfParallelism} threads", peak, "GFLOP/s", 100, 0) };

        double stepFlops = 0, stepSeconds = 0;
        foreach (var (name, d, count) in args.Contains("--memory-only") ? [] : Resnet20Convs())
        {
            var layer = Conv(k, name, d, seconds, peak).ToList();
            rows.AddRange(layer);
            var total = layer[^1];
            stepFlops += count * total.Value * 1e9 * total.Milliseconds / 1e3;
            stepSeconds += count * total.Milliseconds / 1e3;
        }
        if (stepSeconds > 0)
            rows.Add(new("conv", "resnet20 step, all 21 convs fwd+bwd", stepFlops / stepSeconds / 1e9, "GFLOP/s",
                100 * stepFlops / stepSeconds / 1e9 / peak, stepSeconds * 1e3));
        // resnet20's first-stage activation (8 MiB, the step's largest), then 4x the channels (32 MiB, beyond L3).
        rows.AddRange(Memory(k, 16, seconds));
        rows.AddRange(Memory(k, 64, seconds));

        if (args.Contains("--json"))
        {
            var doc = new { backend = k.Name, peakGflops = peak, rows };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"{k.Name}, batch 128");
        Console.WriteLine($"{"kind",-6} {"shape",-58} {"value",9} {"unit",-8} {"% peak",7} {"ms",9}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Kind,-6} {r.Shape,-58} {r.Value,9:F1} {r.Unit,-8} {(r.Unit == "GFLOP/s" ? r.PercentOfPeak.ToString("F1") : ""),7} {r.Milliseconds,9:F2}");
        return 0;
    }

    private static ConvDesc Conv(int cin, int cout, int size, int k, int stride)
    {
        int pad = k / 2;
        return new ConvDesc(128, cin, size, size, cout, k, k, stride, stride, pad, pad, pad, pad, 1, 1, 1);
    }

    /// <summary>resnet20's conv shapes (with 1x1 projection shortcuts) and how many layers have each.</summary>
    private static IEnumerable<(string, ConvDesc, int)> Resnet20Convs() =>
    [
        ("stem 3x3 3->16 32x32", Conv(3, 16, 32, 3, 1), 1),
        ("3x3 16->16 32x32", Conv(16, 16, 32, 3, 1), 6),
        ("3x3 16->32 s2 32->16", Conv(16, 32, 32, 3, 2), 1),
        ("1x1 16->32 s2 (shortcut)", Conv(16, 32, 32, 1, 2), 1),
        ("3x3 32->32 16x16", Conv(32, 32, 16, 3, 1), 5),
        ("3x3 32->64 s2 16->8", Conv(32, 64, 16, 3, 2), 1),
        ("1x1 32->64 s2 (shortcut)", Conv(32, 64, 16, 1, 2), 1),
        ("3x3 64->64 8x8", Conv(64, 64, 8, 3, 1), 5),
    ];

    private static IBuffer Random(CpuKernels k, long n, int seed)
    {
        var b = k.Allocate(n);
        k.Upload(GemmBench.RandomArray(new Random(seed), checked((int)n)), b);
        return b;
    }

    /// <summary>Forward, grad input and grad weight (+ bias) accumulated as the engine runs them, and their total.</summary>
    private static IEnumerable<Row> Conv(CpuKernels k, string name, ConvDesc d, double seconds, double peak)
    {
        long xs = (long)d.N * d.Cin * d.H * d.W, ws = (long)d.Cout * d.Cin / d.Groups * d.Kh * d.Kw, ys = (long)d.N * d.Cout * d.OutH * d.OutW;
        IBuffer x = Random(k, xs, 1), w = Random(k, ws, 2), y = k.Allocate(ys), dy = Random(k, ys, 3), dx = k.Allocate(xs), dw = k.Allocate(ws);
        double flops = 2.0 * ys * ws / d.Cout;
        var fwd = GemmBench.Time(() => k.ConvForward(d, x, w, null, y), seconds);
        // Stem: the engine computes no gradient for the network's input.
        bool stem = d.Cin == 3;
        var data = stem ? default : GemmBench.Time(() => k.ConvBackwardData(d, dy, w, dx, accumulate: true), seconds);
        // Conv2d overwrites its gradients; accumulating adds a pass through scratch, timed apart here.
        var overwrite = stem ? default : GemmBench.Time(() => k.ConvBackwardData(d, dy, w, dx, accumulate: false), seconds);
        var weights = GemmBench.Time(() => k.ConvBackwardWeights(d, x, dy, dw, null, accumulate: true), seconds);
        Row Make(string pass, double t, double f) => new("conv", $"{name} {pass}", f / t / 1e9, "GFLOP/s", 100 * f / t / 1e9 / peak, t * 1e3);
        yield return Make("fwd", fwd.Best, flops);
        if (!stem) yield return Make("dX", data.Best, flops);
        if (!stem) yield return Make("dX overwriting (no accumulate)", overwrite.Best, flops);
        yield return Make("dW", weights.Best, flops);
        yield return Make("fwd+bwd", fwd.Best + (stem ? 0 : data.Best) + weights.Best, (stem ? 2 : 3) * flops);
        foreach (var b in new[] { x, w, y, dy, dx, dw }) b.Dispose();
    }

    /// <summary>The memory-bound primitives on a [128, channels, 32, 32] activation.</summary>
    private static IEnumerable<Row> Memory(CpuKernels k, int channels, double seconds)
    {
        int[] shape = [128, channels, 32, 32], channel = [1, channels, 1, 1];
        long n = 128L * channels * 32 * 32;
        IBuffer a = Random(k, n, 1), b = Random(k, n, 2), c = Random(k, n, 3), d = Random(k, n, 4);
        var stats = Enumerable.Range(0, 6).Select(i => Random(k, channels, 10 + i)).ToArray();
        k.Fill(stats[3], 1, 0, channels);
        var bn = new BatchNormDesc(128, channels, 1024, 1e-5f, 0.9f);
        var bnRelu = bn with { Activation = new Activation(UnaryOp.Relu, 0, 0) };
        var same = new BroadcastDesc(shape, shape, shape);
        var bias = new BroadcastDesc(shape, shape, channel);
        var pool = k.Allocate(128 * channels);
        int half = channels / 2;
        var sgd = Random(k, 272_474, 5);
        var (sgdGrad, sgdVelocity) = (Random(k, 272_474, 6), Random(k, 272_474, 7));
        var cases = new (string Name, long Floats, Action Body)[]
        {
            ("Relu forward", 2 * n, () => k.Unary(UnaryOp.Relu, 0, 0, a, b, n)),
            ("Relu backward, accumulated", 4 * n, () => k.UnaryBackward(UnaryOp.Relu, 0, 0, a, b, c, d, n, accumulate: true)),
            ("Add, same shape (residual)", 3 * n, () => k.Binary(BinaryOp.Add, same, a, b, c)),
            ("Add, per-channel bias", 2 * n, () => k.Binary(BinaryOp.Add, bias, a, stats[0], c)),
            ("Add backward, same shape", 5 * n, () => k.BinaryBackward(BinaryOp.Add, same, a, b, c, d, b)),
            ("Mul backward, per-channel scale", 4 * n, () => k.BinaryBackward(BinaryOp.Mul, bias, a, stats[0], c, d, stats[1])),
            ("BatchNorm forward, training", 2 * n, () => k.BatchNormForward(bn, true, a, stats[0], stats[1], stats[2], stats[3], stats[4], stats[5], b)),
            ("BatchNorm backward, accumulated", 4 * n, () => k.BatchNormBackward(bn, a, b, stats[0], stats[4], stats[5], c, stats[1], stats[2], accumulate: true)),
            // BN then ReLU in place on its output, as two kernels and fused (as the training graph runs them).
            ("BatchNorm + Relu forward, two passes", 2 * n, () =>
            {
                k.BatchNormForward(bn, true, a, stats[0], stats[1], stats[2], stats[3], stats[4], stats[5], b);
                k.Unary(UnaryOp.Relu, 0, 0, b, b, n);
            }),
            ("BatchNorm + Relu forward, fused", 2 * n, () => k.BatchNormForward(bnRelu, true, a, stats[0], stats[1], stats[2], stats[3], stats[4], stats[5], b)),
            ("Reduce, global average pool", n, () => k.Reduce(new ReduceDesc(shape, [128, channels, 1, 1], 1f / 1024), a, pool, accumulate: false)),
            ("StridedCopy, half the channels (concat/split)", 2 * n / 2, () => k.StridedCopy(
                new StridedDesc([128, half, 1024], 0, [channels * 1024L, 1024, 1], half * 1024L, [channels * 1024L, 1024, 1]), a, b, accumulate: false)),
            ("Sgd, resnet20 parameters (272k)", 5 * 272_474L, () => k.Sgd(new SgdDesc(272_474, 0.1f, 0.9f, 5e-4f, false), sgd, sgdGrad, sgdVelocity, [])),
        };
        foreach (var (name, floats, body) in cases)
        {
            var t = GemmBench.Time(body, seconds);
            yield return new Row("memory", $"{name} [128,{channels},32,32]", floats * 4.0 / t.Best / 1e9, "GB/s", 0, t.Best * 1e3);
        }
        foreach (var buffer in new[] { a, b, c, d, pool, sgd, sgdGrad, sgdVelocity }.Concat(stats)) buffer.Dispose();
    }
}
