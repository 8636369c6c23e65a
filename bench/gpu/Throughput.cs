using System.Diagnostics;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;

namespace Spp.Bench.Gpu;

/// <summary>GEMM and 3x3 convolution (forward + both gradients) throughput of a kernel backend, in
/// GFLOP/s over timed repetitions after a warm-up (which also compiles the kernels).</summary>
public static class Throughput
{
    public static int Run(string device)
    {
        var backend = KernelBackends.Create(device, () => throw new InvalidOperationException("the bench measures the ILGPU backends only"));
        using var k = backend.Kernels;
        Console.WriteLine(backend.Description);
        // ILGPU's CPU accelerator is far slower: small sizes keep a smoke run short.
        var small = device != "cuda";
        foreach (var n in small ? new[] { 64 } : [1024, 2048, 4096]) Gemm(k, n);
        foreach (var (batch, c, hw) in small ? new[] { (2, 8, 8) } : [(128, 16, 28), (64, 64, 56), (32, 256, 14)]) Conv(k, batch, c, hw);
        return 0;
    }

    static void Gemm(IKernels k, int n)
    {
        using var a = Filled(k, (long)n * n);
        using var b = Filled(k, (long)n * n);
        using var c = k.Allocate((long)n * n);
        var d = new GemmDesc(false, false, n, n, n, 1, 0, 0, n, 0, 0, n, 0, 0, n, 0);
        var seconds = Time(k, () => k.Gemm(d, a, b, c));
        Report($"gemm {n}^3", 2.0 * n * n * n, seconds);
    }

    static void Conv(IKernels k, int batch, int channels, int hw)
    {
        var d = new ConvDesc(batch, channels, hw, hw, channels, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        long xCount = (long)batch * channels * hw * hw, wCount = (long)channels * channels * 9;
        using var x = Filled(k, xCount);
        using var w = Filled(k, wCount);
        using var y = k.Allocate(xCount);
        using var dx = k.Allocate(xCount);
        using var dw = k.Allocate(wCount);
        var seconds = Time(k, () =>
        {
            k.ConvForward(d, x, w, null, y);
            k.ConvBackwardData(d, y, w, dx, false);
            k.ConvBackwardWeights(d, x, y, dw, null, false);
        });
        Report($"conv3x3 fwd+bwd N={batch} C=K={channels} {hw}x{hw}", 3 * 2.0 * batch * channels * channels * 9 * hw * hw, seconds);
    }

    static IBuffer Filled(IKernels k, long count)
    {
        var b = k.Allocate(count);
        k.Fill(b, 0.5f, 0, count);
        return b;
    }

    /// <summary>Seconds per call: one warm-up call, then as many as fit in about a second (3 at least).</summary>
    static double Time(IKernels k, Action work)
    {
        work();
        k.Synchronize();
        var sw = Stopwatch.StartNew();
        var runs = 0;
        do
        {
            work();
            k.Synchronize();
            runs++;
        } while (runs < 3 || sw.Elapsed.TotalSeconds < 1);
        return sw.Elapsed.TotalSeconds / runs;
    }

    static void Report(string what, double flops, double seconds) =>
        Console.WriteLine($"{what}: {seconds * 1e3:F2} ms, {flops / seconds / 1e9:G3} GFLOP/s");
}
