using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// A register-blocked GEMM micro-kernel: C[MR x NR] = alpha * sum_p A[:, p] * B[p, :] + beta * C, with
/// A packed as kc columns of MR values and row p of B (NR contiguous values) at b[p] + bOffset: a packed
/// panel (b[p] = panel + p * NR) or B in place (conv planes); row r of C at c[r] + cOffset, written
/// row after row (rows may overlap, as when adding straight onto conv planes). beta == 0 overwrites C
/// without reading it.
/// Every output accumulates p = 0..kc-1 in order from zero, so each element's rounding
/// is independent of where its tile sits.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract void Run(int kc, float* a, float** b, nint bOffset, float** c, nint cOffset, float alpha, float beta);
}

internal static class MicroKernelMath
{
    /// <summary>The scalar form of the kernels' write-back, used for edge tiles and the scalar kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Merge(float acc, float alpha, float beta, float c) =>
        beta == 0f ? acc * alpha : MathF.FusedMultiplyAdd(acc, alpha, c * beta);
}

/// <summary>Panel width of the Vector512 kernel, in vectors: a compile-time constant per instantiation.</summary>
internal interface IPanelWidth
{
    static abstract bool Three { get; }
}

/// <summary>48 columns: the widest panel that fits the registers (24 accumulators).</summary>
internal readonly struct ThreeVectors : IPanelWidth
{
    public static bool Three => true;
}

/// <summary>32 columns: less zero padding when n is small (a 7 x 9 extended conv output is 63 columns).</summary>
internal readonly struct TwoVectors : IPanelWidth
{
    public static bool Three => false;
}

/// <summary>
/// 8 x 48 (or 8 x 32) kernel on Vector512 FMA: 24 (16) accumulators, 3 (2) B vectors and one broadcast
/// of 32 registers. The width is a type argument, so the JIT compiles each variant without branches.
/// </summary>
internal readonly unsafe struct Vector512Kernel<TW> : IGemmMicroKernel where TW : struct, IPanelWidth
{
    public static int MR => 8;
    public static int NR => TW.Three ? 48 : 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float** b, nint bOffset, float** c, nint cOffset, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int p = 0; p < kc; p++)
        {
            float* row = b[p] + bOffset;
            var b0 = Vector512.Load(row);
            var b1 = Vector512.Load(row + 16);
            var b2 = TW.Three ? Vector512.Load(row + 32) : default;
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            if (TW.Three) c02 = Vector512.FusedMultiplyAdd(x, b2, c02);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            if (TW.Three) c12 = Vector512.FusedMultiplyAdd(x, b2, c12);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            if (TW.Three) c22 = Vector512.FusedMultiplyAdd(x, b2, c22);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            if (TW.Three) c32 = Vector512.FusedMultiplyAdd(x, b2, c32);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            if (TW.Three) c42 = Vector512.FusedMultiplyAdd(x, b2, c42);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            if (TW.Three) c52 = Vector512.FusedMultiplyAdd(x, b2, c52);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            if (TW.Three) c62 = Vector512.FusedMultiplyAdd(x, b2, c62);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            if (TW.Three) c72 = Vector512.FusedMultiplyAdd(x, b2, c72);
            a += 8;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool overwrite = beta == 0f;
        Row(c[0] + cOffset, c00, c01, c02, va, vb, overwrite);
        Row(c[1] + cOffset, c10, c11, c12, va, vb, overwrite);
        Row(c[2] + cOffset, c20, c21, c22, va, vb, overwrite);
        Row(c[3] + cOffset, c30, c31, c32, va, vb, overwrite);
        Row(c[4] + cOffset, c40, c41, c42, va, vb, overwrite);
        Row(c[5] + cOffset, c50, c51, c52, va, vb, overwrite);
        Row(c[6] + cOffset, c60, c61, c62, va, vb, overwrite);
        Row(c[7] + cOffset, c70, c71, c72, va, vb, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2,
        Vector512<float> alpha, Vector512<float> beta, bool overwrite)
    {
        if (overwrite)
        {
            (x0 * alpha).Store(c);
            (x1 * alpha).Store(c + 16);
            if (TW.Three) (x2 * alpha).Store(c + 32);
        }
        else
        {
            Vector512.FusedMultiplyAdd(x0, alpha, Vector512.Load(c) * beta).Store(c);
            Vector512.FusedMultiplyAdd(x1, alpha, Vector512.Load(c + 16) * beta).Store(c + 16);
            if (TW.Three) Vector512.FusedMultiplyAdd(x2, alpha, Vector512.Load(c + 32) * beta).Store(c + 32);
        }
    }
}

/// <summary>6 x 16 kernel on Vector256 FMA: 12 accumulators, fits the 16 registers of AVX2.</summary>
internal readonly unsafe struct Vector256Kernel : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float** b, nint bOffset, float** c, nint cOffset, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            float* row = b[p] + bOffset;
            var b0 = Vector256.Load(row);
            var b1 = Vector256.Load(row + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += 6;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool overwrite = beta == 0f;
        Row(c[0] + cOffset, c00, c01, va, vb, overwrite);
        Row(c[1] + cOffset, c10, c11, va, vb, overwrite);
        Row(c[2] + cOffset, c20, c21, va, vb, overwrite);
        Row(c[3] + cOffset, c30, c31, va, vb, overwrite);
        Row(c[4] + cOffset, c40, c41, va, vb, overwrite);
        Row(c[5] + cOffset, c50, c51, va, vb, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* c, Vector256<float> x0, Vector256<float> x1,
        Vector256<float> alpha, Vector256<float> beta, bool overwrite)
    {
        if (overwrite)
        {
            (x0 * alpha).Store(c);
            (x1 * alpha).Store(c + 8);
        }
        else
        {
            Vector256.FusedMultiplyAdd(x0, alpha, Vector256.Load(c) * beta).Store(c);
            Vector256.FusedMultiplyAdd(x1, alpha, Vector256.Load(c + 8) * beta).Store(c + 8);
        }
    }
}

/// <summary>Portable 4 x 4 kernel for machines without 256-bit SIMD.</summary>
internal readonly unsafe struct ScalarKernel : IGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;

    public static void Run(int kc, float* a, float** b, nint bOffset, float** c, nint cOffset, float alpha, float beta)
    {
        float* acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            float* row = b[p] + bOffset;
            for (int i = 0; i < 4; i++)
            {
                float x = a[i];
                acc[i * 4 + 0] += x * row[0];
                acc[i * 4 + 1] += x * row[1];
                acc[i * 4 + 2] += x * row[2];
                acc[i * 4 + 3] += x * row[3];
            }
            a += 4;
        }
        for (int i = 0; i < 4; i++)
        {
            float* row = c[i] + cOffset;
            for (int j = 0; j < 4; j++) row[j] = MicroKernelMath.Merge(acc[i * 4 + j], alpha, beta, row[j]);
        }
    }
}
