using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Sums of float runs accumulated in double lanes (each float widened exactly), for reductions whose terms
/// nearly cancel, such as the bias gradient of a convolution followed by batch normalization (zero in exact
/// arithmetic): float partial sums would leave rounding noise of the terms' size, double ones keep it at
/// the inputs' own rounding. Memory-bound, so the widening costs no time, and 256-bit vectors (on every
/// machine) keep up with memory as well as 512-bit ones.
/// </summary>
internal static unsafe class WideSum
{
    public static double Sum(float* p, int n)
    {
        Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
        int i = 0;
        for (; i <= n - 8; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(p + i));
            a0 += lo;
            a1 += hi;
        }
        if (i < n)
        {
            var (lo, hi) = Vector256.Widen(Simd256.LoadPartial(p + i, n - i));
            a0 += lo;
            a1 += hi;
        }
        return Vector256.Sum(a0 + a1);
    }
}
