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
        int threads = 0;
        int ti = Array.IndexOf(args, "--threads");
        if (ti >= 0 && (ti + 1 >= args.Length || !int.TryParse(args[ti + 1], out threads) || threads < 1))
        {
            Console.Error.WriteLine("--threads needs a positive integer");
            return 2;
        }
        threads = CpuParallel.Resolve(threads);
        double seconds = quick ? 0.3 : 1.0;

        double peak = Peak.MeasureGflops(threads);
        double peak1 = Peak.MeasureGflops(1);
        var rows = new List<Row>
        {
            new("peak", $"FMA chains, {threads} threads", peak, peak, 100, 0),
            new("peak", "FMA chains, 1 thread", peak1, peak1, 100 * peak1 / peak, 0),
        };

        foreach (int s in quick ? new[] { 256, 1024 } : new[] { 256, 512, 1024, 2048 })
            rows.Add(Gemm($"{s}^3", false, false, s, s, s, threads, seconds, peak));
        rows.Add(Gemm("conv fwd M=16 K=144 N=100352", false, false, 16, 100352, 144, threads, seconds, peak));
        rows.Add(Gemm("conv dW M=16 K=100352 N=144 (B^T)", false, true, 16, 144, 100352, threads, seconds, peak));
        rows.Add(Gemm("conv dX M=144 K=16 N=100352 (A^T)", true, false, 144, 100352, 16, threads, seconds, peak));
        rows.Add(Gemm("1024^3 A^T B^T", true, true, 1024, 1024, 1024, threads, seconds, peak));

        if (json)
        {
            var doc = new { threads, kernel = Sgemm.BestKernel.ToString(), peakGflops = peak, rows };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Console.WriteLine($"kernel {Sgemm.BestKernel}, {threads} threads");
            Console.WriteLine($"{"kind",-6} {"shape",-40} {"GFLOP/s",9} {"median",9} {"% peak",7} {"ms",9}");
            foreach (var r in rows)
                Console.WriteLine($"{r.Kind,-6} {r.Shape,-40} {r.Gflops,9:F1} {r.MedianGflops,9:F1} {r.PercentOfPeak,7:F1} {r.Milliseconds,9:F2}");
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

    internal static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Best and median seconds per call after warm-up, running for about <paramref name="seconds"/>.</summary>
    internal static (double Best, double Median) Time(Action body, double seconds)
    {
        body();
        body();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (total.Elapsed.TotalSeconds < seconds && times.Count < 1000))
        {
            var sw = Stopwatch.StartNew();
            body();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return (times[0], times[times.Count / 2]);
    }
}
