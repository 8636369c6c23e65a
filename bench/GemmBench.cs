using System.Diagnostics;
using System.Text.Json;
using Spp.Pruning.Kernels.Cpu;

namespace Spp.Bench;

/// <summary>`gemm`: FMA peak, GEMM GFLOP/s at square and conv-like shapes, conv forward+backward GFLOP/s.</summary>
public static class GemmBench
{
    private sealed record Row(string Kind, string Shape, double Gflops, double MedianGflops, double PercentOfPeak, double Milliseconds);

    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        bool quick = args.Contains("--quick");
        if (BenchArgs.Threads(args) is not int requested) return 2;
        int threads = CpuParallel.Resolve(requested);
        int fi = Array.IndexOf(args, "--filter");
        string? filter = fi >= 0 && fi + 1 < args.Length ? args[fi + 1] : null;
        bool Wanted(string name) => filter is null || name.Contains(filter, StringComparison.OrdinalIgnoreCase);
        double seconds = quick ? 0.3 : 1.0;

        double peak = Peak.MeasureGflops(threads);
        double peak1 = Peak.MeasureGflops(1);
        var rows = new List<Row>
        {
            new("peak", $"FMA chains, {threads} threads", peak, peak, 100, 0),
            new("peak", "FMA chains, 1 thread", peak1, peak1, 100 * peak1 / peak, 0),
        };

        var gemms = new List<(string Name, bool TA, bool TB, int M, int N, int K)>();
        foreach (int s in quick ? new[] { 256, 1024 } : new[] { 256, 512, 1024, 2048 })
            gemms.Add(($"{s}^3", false, false, s, s, s));
        gemms.Add(("conv fwd M=16 K=144 N=100352", false, false, 16, 100352, 144));
        gemms.Add(("conv dW M=16 K=100352 N=144 (B^T)", false, true, 16, 144, 100352));
        gemms.Add(("conv dX M=144 K=16 N=100352 (A^T)", true, false, 144, 100352, 16));
        gemms.Add(("1024^3 A^T B^T", true, true, 1024, 1024, 1024));
        foreach (var g in gemms.Where(g => Wanted(g.Name)))
            rows.Add(Gemm(g.Name, g.TA, g.TB, g.M, g.N, g.K, threads, seconds, peak));
        // --row-tiles compare: each conv layer with the planes' GEMM forward, then with row tiles, one after the other.
        var policies = BenchArgs.RowTiles(args);
        // --cold: the caches are flushed before each timed conv call, so its tensors come from memory as they do
        // inside a training step (where a step's tensors are far larger than the L3) rather than from cache.
        bool cold = args.Contains("--cold");
        foreach (var (name, shape) in ConvLayers(quick).Where(l => Wanted(l.Item1)))
            foreach (var policy in policies)
            {
                Conv2d.RowTiles = policy;
                rows.AddRange(Conv(policies.Length > 1 ? $"{name} [{policy}]" : name, shape, threads, seconds, peak, cold));
            }
        Conv2d.RowTiles = RowTilePolicy.Auto;

        if (json)
        {
            var doc = new { threads, kernel = Sgemm.BestKernel.ToString(), peakGflops = peak, rows };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }
        else
        {
            Console.WriteLine($"kernel {Sgemm.BestKernel}, {threads} threads");
            Console.WriteLine($"{"kind",-6} {"shape",-44} {"GFLOP/s",9} {"median",9} {"% peak",7} {"ms",9}");
            foreach (var r in rows)
                Console.WriteLine($"{r.Kind,-6} {r.Shape,-44} {r.Gflops,9:F1} {r.MedianGflops,9:F1} {r.PercentOfPeak,7:F1} {r.Milliseconds,9:F2}");
        }
        return 0;
    }

    private static Row Gemm(string name, bool ta, bool tb, int m, int n, int k, int threads, double seconds, double peak)
    {
        var rng = new Random(1);
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var c = new float[m * n];
        int lda = ta ? m : k, ldb = tb ? k : n;
        var (best, median) = Time(() => Sgemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c, n, threads), seconds);
        double flops = 2.0 * m * n * k;
        return new Row("gemm", name, flops / best / 1e9, flops / median / 1e9, 100 * flops / best / 1e9 / peak, best * 1e3);
    }

    private static Conv2dShape Conv3x3(int batch, int cin, int cout, int size, int stride) =>
        new(batch, cin, size, size, cout, 3, 3) { StrideH = stride, StrideW = stride, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };

    /// <summary>The 3x3 layer N=128 C=K=16 28x28, then resnet20-style and vgg11s-style layers on 28x28 inputs.</summary>
    private static IEnumerable<(string, Conv2dShape)> ConvLayers(bool quick)
    {
        yield return ("3x3 N128 16->16 28x28", Conv3x3(128, 16, 16, 28, 1));
        if (quick) yield break;
        yield return ("3x3 N128 1->16 28x28 (stem)", Conv3x3(128, 1, 16, 28, 1));
        yield return ("3x3 N128 16->32 s2 28->14", Conv3x3(128, 16, 32, 28, 2));
        yield return ("3x3 N128 32->32 14x14", Conv3x3(128, 32, 32, 14, 1));
        yield return ("3x3 N128 32->64 s2 14->7", Conv3x3(128, 32, 64, 14, 2));
        yield return ("3x3 N128 64->64 7x7", Conv3x3(128, 64, 64, 7, 1));
        yield return ("3x3 N128 32->32 28x28 (vgg11s)", Conv3x3(128, 32, 32, 28, 1));
        yield return ("3x3 N128 64->64 14x14 (vgg11s)", Conv3x3(128, 64, 64, 14, 1));
        yield return ("3x3 N128 128->128 7x7 (vgg11s)", Conv3x3(128, 128, 128, 7, 1));
        // Pruned resnet20's later stages keep 16 channels: one lane vector per row tile on small maps.
        yield return ("3x3 N128 16->16 14x14 (pruned)", Conv3x3(128, 16, 16, 14, 1));
        yield return ("3x3 N128 16->16 7x7 (pruned)", Conv3x3(128, 16, 16, 7, 1));
        yield return ("3x3 N128 16->16 s2 14->7 (pruned)", Conv3x3(128, 16, 16, 14, 2));
        yield return ("1x1 N128 16->32 s2 28->14", new Conv2dShape(128, 16, 28, 28, 32, 1, 1) { StrideH = 2, StrideW = 2 });
        // mbv2s's pointwise layers on 7x7 and 14x14 maps.
        yield return ("1x1 N128 384->64 7x7 (mbv2s)", new Conv2dShape(128, 384, 7, 7, 64, 1, 1));
        yield return ("1x1 N128 64->384 7x7 (mbv2s)", new Conv2dShape(128, 64, 7, 7, 384, 1, 1));
        yield return ("1x1 N128 24->144 14x14 (mbv2s)", new Conv2dShape(128, 24, 14, 14, 144, 1, 1));
        yield return ("dw3x3 N128 64 14x14", Conv3x3(128, 64, 64, 14, 1) with { Groups = 64 });
        yield return ("dw3x3 N128 96 s2 28->14 (mbv2s)", Conv3x3(128, 96, 96, 28, 2) with { Groups = 96 });
        yield return ("dw3x3 N128 192 7x7 (mbv2s)", Conv3x3(128, 192, 192, 7, 1) with { Groups = 192 });
        yield return ("dw3x3 N128 144 14x14 (mbv2s)", Conv3x3(128, 144, 144, 14, 1) with { Groups = 144 });
        yield return ("dw3x3 N128 144 s2 14->7 (mbv2s)", Conv3x3(128, 144, 144, 14, 2) with { Groups = 144 });
        yield return ("dw3x3 N128 384 7x7 (mbv2s)", Conv3x3(128, 384, 384, 7, 1) with { Groups = 384 });
    }

    /// <summary>Forward, grad input, grad weight+bias and their total, each 2 * ForwardMacs flops.</summary>
    private static IEnumerable<Row> Conv(string name, Conv2dShape s, int threads, double seconds, double peak, bool cold)
    {
        var rng = new Random(2);
        var x = RandomArray(rng, (int)s.InputLength);
        var w = RandomArray(rng, (int)s.WeightLength);
        var b = RandomArray(rng, s.OutChannels);
        var y = new float[s.OutputLength];
        var dy = RandomArray(rng, (int)s.OutputLength);
        var dx = new float[s.InputLength];
        var dw = new float[s.WeightLength];
        var db = new float[s.OutChannels];
        double flops = 2.0 * s.ForwardMacs;
        var fwd = Time(() => Conv2d.Forward(s, x, w, b, y, threads), seconds, cold);
        var bwdData = Time(() => Conv2d.BackwardData(s, dy, w, dx, threads), seconds, cold);
        var bwdWeights = Time(() => Conv2d.BackwardWeights(s, x, dy, dw, db, threads), seconds, cold);
        Row Make(string pass, (double Best, double Median) t, double f) =>
            new("conv", $"{name} {pass}", f / t.Best / 1e9, f / t.Median / 1e9, 100 * f / t.Best / 1e9 / peak, t.Best * 1e3);
        yield return Make("fwd", fwd, flops);
        yield return Make("dX", bwdData, flops);
        yield return Make("dW", bwdWeights, flops);
        yield return Make("fwd+bwd", (fwd.Best + bwdData.Best + bwdWeights.Best, fwd.Median + bwdData.Median + bwdWeights.Median), 3 * flops);
    }

    internal static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>
    /// Best and median seconds per call after warm-up, running for about <paramref name="seconds"/>; with
    /// <paramref name="cold"/> a 64 MB buffer is written before each call (not timed) to evict its data from cache.
    /// </summary>
    internal static (double Best, double Median) Time(Action body, double seconds, bool cold = false)
    {
        body();
        body();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (total.Elapsed.TotalSeconds < seconds && times.Count < 1000))
        {
            if (cold) EvictCaches();
            var sw = Stopwatch.StartNew();
            body();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return (times[0], times[times.Count / 2]);
    }

    private static readonly Lazy<byte[]> Evictor = new(() => new byte[64 << 20]);

    private static void EvictCaches()
    {
        var buffer = Evictor.Value;
        buffer.AsSpan().Fill((byte)(buffer[0] + 1));
    }
}
