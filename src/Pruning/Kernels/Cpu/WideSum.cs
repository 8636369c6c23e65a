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
        // Four independent add chains over 16 floats per step, then 8, then the masked tail.
        Vector256<double> a0 = Vector256<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (l0, h0) = Vector256.Widen(Vector256.Load(p + i));
            var (l1, h1) = Vector256.Widen(Vector256.Load(p + i + 8));
            a0 += l0;
            a1 += h0;
            a2 += l1;
            a3 += h1;
        }
        for (; i < n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(n - i >= 8 ? Vector256.Load(p + i) : Simd256.LoadPartial(p + i, n - i));
            a0 += lo;
            a1 += hi;
        }
        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }
}
