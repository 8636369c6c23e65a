using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Batch normalization's input gradient dx (+)= a dy + b (x - mean) + k, evaluated in double lanes and rounded
/// once per element. Summed over a channel it cancels to zero in exact arithmetic (a sum(dy) + m k = 0), and
/// the gradient of any bias before the normalization is that sum: float coefficients would leave a systematic
/// residue of about one float rounding of a sum(dy), double ones only the per-element roundings, which
/// average out. The loop is memory-bound, so the wider arithmetic costs no time, and 256-bit vectors (on
/// every machine) keep up with memory as well as 512-bit ones.
/// </summary>
internal static unsafe class BatchNormInputGradient
{
    public static void Run(float* x, float* dy, float* dx, int n, double mean, double a, double b, double k, bool accumulate)
    {
        var f = (M: Vector256.Create(mean), A: Vector256.Create(a), B: Vector256.Create(b), K: Vector256.Create(k));
        Vector256<float> Step(Vector256<float> xv, Vector256<float> gv)
        {
            var (x0, x1) = Vector256.Widen(xv);
            var (g0, g1) = Vector256.Widen(gv);
            return Vector256.Narrow(
                Vector256.FusedMultiplyAdd(f.A, g0, Vector256.FusedMultiplyAdd(f.B, x0 - f.M, f.K)),
                Vector256.FusedMultiplyAdd(f.A, g1, Vector256.FusedMultiplyAdd(f.B, x1 - f.M, f.K)));
        }
        int i = 0;
        for (; i <= n - 8; i += 8)
        {
            var r = Step(Vector256.Load(x + i), Vector256.Load(dy + i));
            (accumulate ? Vector256.Load(dx + i) + r : r).Store(dx + i);
        }
        if (i < n)
        {
            int c = n - i;
            var r = Step(Simd256.LoadPartial(x + i, c), Simd256.LoadPartial(dy + i, c));
            Simd256.StorePartial(accumulate ? Simd256.LoadPartial(dx + i, c) + r : r, dx + i, c);
        }
    }
}
