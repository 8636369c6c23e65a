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

    private static float Chains512(long iterations) => Chains<Vector512<float>, Fma512>(iterations);
    private static float Chains256(long iterations) => Chains<Vector256<float>, Fma256>(iterations);
    private static float ChainsScalar(long iterations) => Chains<float, FmaScalar>(iterations);

    /// <summary>Twelve independent dependency chains: enough to cover FMA latency times issue width.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains<TV, TOps>(long iterations) where TV : struct where TOps : struct, IFma<TV>
    {
        var m = TOps.Splat(0.9999999f);
        var c = TOps.Splat(1e-7f);
        TV a0 = TOps.Splat(1f), a1 = TOps.Add(a0, c), a2 = TOps.Add(a1, c), a3 = TOps.Add(a2, c);
        TV a4 = TOps.Add(a3, c), a5 = TOps.Add(a4, c), a6 = TOps.Add(a5, c), a7 = TOps.Add(a6, c);
        TV a8 = TOps.Add(a7, c), a9 = TOps.Add(a8, c), a10 = TOps.Add(a9, c), a11 = TOps.Add(a10, c);
        for (long i = 0; i < iterations; i++)
        {
            a0 = TOps.Fma(a0, m, c); a1 = TOps.Fma(a1, m, c); a2 = TOps.Fma(a2, m, c); a3 = TOps.Fma(a3, m, c);
            a4 = TOps.Fma(a4, m, c); a5 = TOps.Fma(a5, m, c); a6 = TOps.Fma(a6, m, c); a7 = TOps.Fma(a7, m, c);
            a8 = TOps.Fma(a8, m, c); a9 = TOps.Fma(a9, m, c); a10 = TOps.Fma(a10, m, c); a11 = TOps.Fma(a11, m, c);
        }
        TV s = TOps.Add(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), TOps.Add(TOps.Add(a4, a5), TOps.Add(a6, a7)));
        return TOps.Sum(TOps.Add(s, TOps.Add(TOps.Add(a8, a9), TOps.Add(a10, a11))));
    }

    private interface IFma<TV>
    {
        static abstract TV Splat(float x);
        static abstract TV Add(TV x, TV y);
        static abstract TV Fma(TV x, TV y, TV z);
        static abstract float Sum(TV x);
    }

    private readonly struct Fma512 : IFma<Vector512<float>>
    {
        public static Vector512<float> Splat(float x) => Vector512.Create(x);
        public static Vector512<float> Add(Vector512<float> x, Vector512<float> y) => x + y;
        public static Vector512<float> Fma(Vector512<float> x, Vector512<float> y, Vector512<float> z) => Vector512.FusedMultiplyAdd(x, y, z);
        public static float Sum(Vector512<float> x) => Vector512.Sum(x);
    }

    private readonly struct Fma256 : IFma<Vector256<float>>
    {
        public static Vector256<float> Splat(float x) => Vector256.Create(x);
        public static Vector256<float> Add(Vector256<float> x, Vector256<float> y) => x + y;
        public static Vector256<float> Fma(Vector256<float> x, Vector256<float> y, Vector256<float> z) => Vector256.FusedMultiplyAdd(x, y, z);
        public static float Sum(Vector256<float> x) => Vector256.Sum(x);
    }

    private readonly struct FmaScalar : IFma<float>
    {
        public static float Splat(float x) => x;
        public static float Add(float x, float y) => x + y;
        public static float Fma(float x, float y, float z) => MathF.FusedMultiplyAdd(x, y, z);
        public static float Sum(float x) => x;
    }
}
