using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Measures the machine's FP32 FMA throughput: independent FMA chains held in registers, the widest
/// vectors the hardware accelerates, one thread per core, best of several runs.
/// </summary>
public static class Peak
{
    private const int ChainCount = 12;

    /// <summary>Peak GFLOP/s (an FMA counts two) on <paramref name="threads"/> threads (0 = all cores).</summary>
    public static double MeasureGflops(int threads = 0, int repetitions = 5, long iterationsPerThread = 20_000_000)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1;
        Func<long, float> body = lanes switch { 16 => Chains512, 8 => Chains256, _ => ChainsScalar };
        body(1000);
        double best = 0;
        for (int rep = 0; rep < repetitions; rep++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() => { start.SignalAndWait(); Sink(body(iterationsPerThread)); });
                workers[t].Start();
            }
            start.SignalAndWait();
            var sw = Stopwatch.StartNew();
            foreach (var w in workers) w.Join();
            double flops = 2.0 * ChainCount * lanes * iterationsPerThread * threads;
            best = Math.Max(best, flops / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static float s_sink;

    private static void Sink(float value) => s_sink += value == 12345.678f ? 1f : 0f;

    private static float Chains512(long iterations) => Chains<Vector512<float>, Simd512>(iterations);
    private static float Chains256(long iterations) => Chains<Vector256<float>, Simd256>(iterations);
    private static float ChainsScalar(long iterations) => Chains<float, SimdScalar>(iterations);

    /// <summary>Twelve independent dependency chains: enough to cover FMA latency times issue width.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains<TV, TS>(long iterations) where TV : struct where TS : struct, ISimd<TV>
    {
        var m = TS.Splat(0.9999999f);
        var c = TS.Splat(1e-7f);
        TV a0 = TS.Splat(1f), a1 = TS.Add(a0, c), a2 = TS.Add(a1, c), a3 = TS.Add(a2, c);
        TV a4 = TS.Add(a3, c), a5 = TS.Add(a4, c), a6 = TS.Add(a5, c), a7 = TS.Add(a6, c);
        TV a8 = TS.Add(a7, c), a9 = TS.Add(a8, c), a10 = TS.Add(a9, c), a11 = TS.Add(a10, c);
        for (long i = 0; i < iterations; i++)
        {
            a0 = TS.Fma(a0, m, c); a1 = TS.Fma(a1, m, c); a2 = TS.Fma(a2, m, c); a3 = TS.Fma(a3, m, c);
            a4 = TS.Fma(a4, m, c); a5 = TS.Fma(a5, m, c); a6 = TS.Fma(a6, m, c); a7 = TS.Fma(a7, m, c);
            a8 = TS.Fma(a8, m, c); a9 = TS.Fma(a9, m, c); a10 = TS.Fma(a10, m, c); a11 = TS.Fma(a11, m, c);
        }
        TV s = TS.Add(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)), TS.Add(TS.Add(a4, a5), TS.Add(a6, a7)));
        return TS.Sum(TS.Add(s, TS.Add(TS.Add(a8, a9), TS.Add(a10, a11))));
    }
}
