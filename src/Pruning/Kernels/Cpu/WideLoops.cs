using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Loops in double lanes (floats widened exactly) where float arithmetic would leave a systematic residue:
/// sums whose terms nearly cancel, and batch normalization's input gradient, whose channel sum cancels to
/// zero in exact arithmetic and is the gradient of any bias before the normalization (a conv bias or
/// another BN's beta). Float partial sums, or float intermediates that are larger than the result, would
/// leave noise the size of the terms; double lanes leave only one rounding per element. Both loops are
/// memory-bound, so the widening costs little.
/// </summary>
internal static unsafe class WideLoops<TV, TD, TS> where TV : struct where TD : struct where TS : struct, IWideSimd<TV, TD>
{
    /// <summary>The sum of p[0..n) in double: four independent chains over two vectors per step, then the masked tail.</summary>
    public static double Sum(float* p, int n)
    {
        TD a0 = TS.SplatWide(0), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 2 * TS.Count; i += 2 * TS.Count)
        {
            var (l0, h0) = TS.Widen(TS.Load(p + i));
            var (l1, h1) = TS.Widen(TS.Load(p + i + TS.Count));
            a0 = TS.AddWide(a0, l0);
            a1 = TS.AddWide(a1, h0);
            a2 = TS.AddWide(a2, l1);
            a3 = TS.AddWide(a3, h1);
        }
        for (; i < n; i += TS.Count)
        {
            var (lo, hi) = TS.Widen(ElementwiseLoops<TV, TS>.Load(p + i, Math.Min(TS.Count, n - i)));
            a0 = TS.AddWide(a0, lo);
            a1 = TS.AddWide(a1, hi);
        }
        return TS.SumWide(TS.AddWide(TS.AddWide(a0, a1), TS.AddWide(a2, a3)));
    }

    /// <summary>dx (+)= a dy + b (x - mean) + k over one run, each element evaluated in double and rounded once.</summary>
    public static void BatchNormInputGradient(float* x, float* dy, float* dx, int n, double mean, double a, double b, double k, bool accumulate)
    {
        var f = new Factors(TS.SplatWide(mean), TS.SplatWide(a), TS.SplatWide(b), TS.SplatWide(k));
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) Step(x + i, dy + i, dx + i, TS.Count, f, accumulate);
        if (i < n) Step(x + i, dy + i, dx + i, n - i, f, accumulate);
    }

    private readonly record struct Factors(TD Mean, TD A, TD B, TD K);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(float* x, float* dy, float* dx, int count, in Factors f, bool accumulate)
    {
        var (x0, x1) = TS.Widen(ElementwiseLoops<TV, TS>.Load(x, count));
        var (g0, g1) = TS.Widen(ElementwiseLoops<TV, TS>.Load(dy, count));
        TV r = TS.Narrow(
            TS.FmaWide(f.A, g0, TS.FmaWide(f.B, TS.SubWide(x0, f.Mean), f.K)),
            TS.FmaWide(f.A, g1, TS.FmaWide(f.B, TS.SubWide(x1, f.Mean), f.K)));
        if (accumulate) r = TS.Add(ElementwiseLoops<TV, TS>.Load(dx, count), r);
        ElementwiseLoops<TV, TS>.Store(r, dx, count);
    }
}

/// <summary>The double-lane sum at the machine's vector width, for callers that are not width-generic.</summary>
internal static unsafe class WideSum
{
    public static double Sum(float* p, int n) => CpuKernels.UsesVector512
        ? WideLoops<Vector512<float>, Vector512<double>, Simd512>.Sum(p, n)
        : WideLoops<Vector256<float>, Vector256<double>, Simd256>.Sum(p, n);
}
