using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// C = alpha * A * B^T + beta * C where rows of A and rows of B are both contiguous along k: dot
/// products in 4 x 4 register tiles, no packing. Suits a long k with small m or n (weight gradients),
/// where packing B^T would cost as much as the multiply. The k axis may come in segments, each with its
/// own A and rows of B (one segment per image of a convolution's weight gradient, whose k per image is
/// short on small feature maps): the tiles keep their sums across segments, so C is read, and the lanes
/// reduced, once per call rather than once per image. k is cut into fixed blocks; each element sums
/// segments in order, within each its blocks in order (lane-wise partial sums with a zero-padded last
/// vector), then the lanes, whatever the threads.
/// </summary>
internal static unsafe class SgemmInnerProduct
{
    /// <summary>Depth of a block: four rows of B and a band of rows of A stay in L1.</summary>
    private const int KB = 4096;

    /// <summary>Row i of A is a + i * lda; row j of B is bRows[j]; both have k elements.</summary>
    public static void Run(int m, int n, int k, float alpha, float* a, nint lda, float** bRows,
        float beta, float* c, nint ldc, int threads, SgemmKernel kernel) =>
        Run(m, n, k, 1, alpha, &a, lda, bRows, beta, c, ldc, threads, kernel);

    /// <summary>
    /// C = alpha * sum over segments s of A_s * B_s^T + beta * C: row i of A_s is aBases[s] + i * lda,
    /// row j of B_s is bRows[s * n + j]; each has k elements.
    /// </summary>
    public static void Run(int m, int n, int k, int segments, float alpha, float** aBases, nint lda, float** bRows,
        float beta, float* c, nint ldc, int threads, SgemmKernel kernel)
    {
        switch (kernel)
        {
            case SgemmKernel.Vector512: Run<Vector512<float>, Simd512>(m, n, k, segments, alpha, aBases, lda, bRows, beta, c, ldc, threads); break;
            case SgemmKernel.Vector256: Run<Vector256<float>, Simd256>(m, n, k, segments, alpha, aBases, lda, bRows, beta, c, ldc, threads); break;
            default: Run<float, SimdScalar>(m, n, k, segments, alpha, aBases, lda, bRows, beta, c, ldc, threads); break;
        }
    }

    private static void Run<TV, TS>(int m, int n, int k, int segments, float alpha, float** aBases, nint lda, float** bRows,
        float beta, float* c, nint ldc, int threads) where TV : struct where TS : struct, ISimd<TV>
    {
        int tilesM = (m + 3) / 4, tilesN = (n + 3) / 4;
        bool splitN = tilesN >= tilesM;
        int bands = Math.Max(1, Math.Min(threads, splitN ? tilesN : tilesM));
        nint pa = (nint)aBases, pb = (nint)bRows, pc = (nint)c;
        CpuParallel.For(bands, bands, t =>
        {
            int tiles = splitN ? tilesN : tilesM;
            int t0 = (int)((long)tiles * t / bands) * 4, t1 = (int)((long)tiles * (t + 1) / bands) * 4;
            int i0 = splitN ? 0 : t0, i1 = splitN ? m : Math.Min(m, t1);
            int j0 = splitN ? t0 : 0, j1 = splitN ? Math.Min(n, t1) : n;
            for (int q0 = 0; q0 < k; q0 += KB)
                Block<TV, TS>(i0, i1, j0, j1, n, q0, Math.Min(KB, k - q0), segments, alpha, (float**)pa, lda, (float**)pb,
                    q0 == 0 ? beta : 1f, (float*)pc, ldc);
        });
    }

    private static void Block<TV, TS>(int i0, int i1, int j0, int j1, int n, int q0, int kb, int segments, float alpha,
        float** aBases, nint lda, float** bRows, float beta, float* c, nint ldc) where TV : struct where TS : struct, ISimd<TV>
    {
        // b[s * 4 + q]: column q of the tile in segment s; a[s]: the tile's first row in segment s.
        float** b = stackalloc float*[4 * segments];
        float** a = stackalloc float*[segments];
        float** one = stackalloc float*[segments];
        for (int j = j0; j < j1; j += 4)
        {
            int cols = Math.Min(4, j1 - j);
            for (int s = 0; s < segments; s++)
                for (int q = 0; q < cols; q++) b[s * 4 + q] = bRows[(long)s * n + j + q] + q0;
            for (int i = i0; i < i1; i += 4)
            {
                int rows = Math.Min(4, i1 - i);
                for (int s = 0; s < segments; s++) a[s] = aBases[s] + i * lda + q0;
                float* ci = c + i * ldc + j;
                if (rows == 4 && cols == 4)
                {
                    Tile4x4<TV, TS>(kb, segments, a, lda, b, ci, ldc, alpha, beta);
                    continue;
                }
                for (int r = 0; r < rows; r++)
                {
                    for (int s = 0; s < segments; s++) one[s] = a[s] + r * lda;
                    if (cols == 4) Tile1x4<TV, TS>(kb, segments, one, b, ci + r * ldc, alpha, beta);
                    else
                        for (int q = 0; q < cols; q++)
                            ci[r * ldc + q] = Finish<TV, TS>(Dot<TV, TS>(kb, segments, one, b + q), alpha, beta, ci[r * ldc + q]);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4<TV, TS>(int k, int segments, float** a, nint lda, float** b, float* c, nint ldc, float alpha, float beta)
        where TV : struct where TS : struct, ISimd<TV>
    {
        TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c12 = TS.Zero, c13 = TS.Zero;
        TV c20 = TS.Zero, c21 = TS.Zero, c22 = TS.Zero, c23 = TS.Zero, c30 = TS.Zero, c31 = TS.Zero, c32 = TS.Zero, c33 = TS.Zero;
        int kv = k - k % TS.Count;
        for (int s = 0; s < segments; s++)
        {
            float* a0 = a[s], a1 = a0 + lda, a2 = a0 + 2 * lda, a3 = a0 + 3 * lda;
            float* b0 = b[4 * s], b1 = b[4 * s + 1], b2 = b[4 * s + 2], b3 = b[4 * s + 3];
            for (int q = 0; q < kv; q += TS.Count)
            {
                TV y0 = TS.Load(b0 + q), y1 = TS.Load(b1 + q), y2 = TS.Load(b2 + q), y3 = TS.Load(b3 + q);
                TV x = TS.Load(a0 + q);
                c00 = TS.Fma(x, y0, c00); c01 = TS.Fma(x, y1, c01); c02 = TS.Fma(x, y2, c02); c03 = TS.Fma(x, y3, c03);
                x = TS.Load(a1 + q);
                c10 = TS.Fma(x, y0, c10); c11 = TS.Fma(x, y1, c11); c12 = TS.Fma(x, y2, c12); c13 = TS.Fma(x, y3, c13);
                x = TS.Load(a2 + q);
                c20 = TS.Fma(x, y0, c20); c21 = TS.Fma(x, y1, c21); c22 = TS.Fma(x, y2, c22); c23 = TS.Fma(x, y3, c23);
                x = TS.Load(a3 + q);
                c30 = TS.Fma(x, y0, c30); c31 = TS.Fma(x, y1, c31); c32 = TS.Fma(x, y2, c32); c33 = TS.Fma(x, y3, c33);
            }
            if (kv < k)
            {
                int r = k - kv;
                TV y0 = TS.LoadPartial(b0 + kv, r), y1 = TS.LoadPartial(b1 + kv, r), y2 = TS.LoadPartial(b2 + kv, r), y3 = TS.LoadPartial(b3 + kv, r);
                TV x = TS.LoadPartial(a0 + kv, r);
                c00 = TS.Fma(x, y0, c00); c01 = TS.Fma(x, y1, c01); c02 = TS.Fma(x, y2, c02); c03 = TS.Fma(x, y3, c03);
                x = TS.LoadPartial(a1 + kv, r);
                c10 = TS.Fma(x, y0, c10); c11 = TS.Fma(x, y1, c11); c12 = TS.Fma(x, y2, c12); c13 = TS.Fma(x, y3, c13);
                x = TS.LoadPartial(a2 + kv, r);
                c20 = TS.Fma(x, y0, c20); c21 = TS.Fma(x, y1, c21); c22 = TS.Fma(x, y2, c22); c23 = TS.Fma(x, y3, c23);
                x = TS.LoadPartial(a3 + kv, r);
                c30 = TS.Fma(x, y0, c30); c31 = TS.Fma(x, y1, c31); c32 = TS.Fma(x, y2, c32); c33 = TS.Fma(x, y3, c33);
            }
        }
        if (typeof(TV) == typeof(Vector512<float>))
        {
            // One transposing reduction of all 16 accumulators instead of 16 horizontal sums.
            var sums = Reduce16(As(c00), As(c02), As(c01), As(c03), As(c20), As(c22), As(c21), As(c23),
                As(c10), As(c12), As(c11), As(c13), As(c30), As(c32), As(c31), As(c33));
            MergeRow(sums.GetLower().GetLower(), c, alpha, beta);
            MergeRow(sums.GetLower().GetUpper(), c + ldc, alpha, beta);
            MergeRow(sums.GetUpper().GetLower(), c + 2 * ldc, alpha, beta);
            MergeRow(sums.GetUpper().GetUpper(), c + 3 * ldc, alpha, beta);
            return;
        }
        Row<TV, TS>(c, alpha, beta, c00, c01, c02, c03);
        Row<TV, TS>(c + ldc, alpha, beta, c10, c11, c12, c13);
        Row<TV, TS>(c + 2 * ldc, alpha, beta, c20, c21, c22, c23);
        Row<TV, TS>(c + 3 * ldc, alpha, beta, c30, c31, c32, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x4<TV, TS>(int k, int segments, float** rowA, float** b, float* c, float alpha, float beta)
        where TV : struct where TS : struct, ISimd<TV>
    {
        TV c0 = TS.Zero, c1 = TS.Zero, c2 = TS.Zero, c3 = TS.Zero;
        int kv = k - k % TS.Count;
        for (int s = 0; s < segments; s++)
        {
            float* a = rowA[s];
            float* b0 = b[4 * s], b1 = b[4 * s + 1], b2 = b[4 * s + 2], b3 = b[4 * s + 3];
            for (int q = 0; q < kv; q += TS.Count)
            {
                TV x = TS.Load(a + q);
                c0 = TS.Fma(x, TS.Load(b0 + q), c0); c1 = TS.Fma(x, TS.Load(b1 + q), c1);
                c2 = TS.Fma(x, TS.Load(b2 + q), c2); c3 = TS.Fma(x, TS.Load(b3 + q), c3);
            }
            if (kv < k)
            {
                int r = k - kv;
                TV x = TS.LoadPartial(a + kv, r);
                c0 = TS.Fma(x, TS.LoadPartial(b0 + kv, r), c0); c1 = TS.Fma(x, TS.LoadPartial(b1 + kv, r), c1);
                c2 = TS.Fma(x, TS.LoadPartial(b2 + kv, r), c2); c3 = TS.Fma(x, TS.LoadPartial(b3 + kv, r), c3);
            }
        }
        Row<TV, TS>(c, alpha, beta, c0, c1, c2, c3);
    }

    /// <summary>One element's vector part: the same FMA chain as in the tiles (row of B in segment s at b[4 * s]).</summary>
    private static TV Dot<TV, TS>(int k, int segments, float** rowA, float** b) where TV : struct where TS : struct, ISimd<TV>
    {
        TV acc = TS.Zero;
        int kv = k - k % TS.Count;
        for (int s = 0; s < segments; s++)
        {
            float* a = rowA[s], bs = b[4 * s];
            for (int q = 0; q < kv; q += TS.Count) acc = TS.Fma(TS.Load(a + q), TS.Load(bs + q), acc);
            if (kv < k) acc = TS.Fma(TS.LoadPartial(a + kv, k - kv), TS.LoadPartial(bs + kv, k - kv), acc);
        }
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TV, TS>(float* c, float alpha, float beta, TV x0, TV x1, TV x2, TV x3)
        where TV : struct where TS : struct, ISimd<TV>
    {
        c[0] = Finish<TV, TS>(x0, alpha, beta, c[0]);
        c[1] = Finish<TV, TS>(x1, alpha, beta, c[1]);
        c[2] = Finish<TV, TS>(x2, alpha, beta, c[2]);
        c[3] = Finish<TV, TS>(x3, alpha, beta, c[3]);
    }

    /// <summary>Four sums merged into C as <see cref="MicroKernelMath.Merge"/> does, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeRow(Vector128<float> sums, float* c, float alpha, float beta)
    {
        var r = beta == 0f ? sums * alpha : Vector128.FusedMultiplyAdd(sums, Vector128.Create(alpha), Vector128.Load(c) * beta);
        r.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> As<TV>(TV x) where TV : struct => Unsafe.As<TV, Vector512<float>>(ref x);

    /// <summary>
    /// The lane sums of 16 vectors in one vector, by a fixed tree: 256-bit halves, 128-bit quarters,
    /// then within 128-bit lanes. Lane L of the result sums input m(L), m = [0,2,1,3,8,10,9,11,4,6,5,7,
    /// 12,14,13,15] (its own inverse): pass accumulator m(i) as argument i to get sums in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduce16(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7,
        Vector512<float> v8, Vector512<float> v9, Vector512<float> v10, Vector512<float> v11,
        Vector512<float> v12, Vector512<float> v13, Vector512<float> v14, Vector512<float> v15)
    {
        var s0 = Halves(v0, v8); var s1 = Halves(v1, v9); var s2 = Halves(v2, v10); var s3 = Halves(v3, v11);
        var s4 = Halves(v4, v12); var s5 = Halves(v5, v13); var s6 = Halves(v6, v14); var s7 = Halves(v7, v15);
        var u0 = Quarters(s0, s4); var u1 = Quarters(s1, s5); var u2 = Quarters(s2, s6); var u3 = Quarters(s3, s7);
        var w0 = Avx512F.Shuffle(u0, u2, 0b01_00_01_00) + Avx512F.Shuffle(u0, u2, 0b11_10_11_10);
        var w1 = Avx512F.Shuffle(u1, u3, 0b01_00_01_00) + Avx512F.Shuffle(u1, u3, 0b11_10_11_10);
        return Avx512F.Shuffle(w0, w1, 0b10_00_10_00) + Avx512F.Shuffle(w0, w1, 0b11_01_11_01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quarters(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0b10_00_10_00) + Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);

    /// <summary>Sums the lanes and merges into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish<TV, TS>(TV acc, float alpha, float beta, float c) where TV : struct where TS : struct, ISimd<TV> =>
        MicroKernelMath.Merge(TS.Sum(acc), alpha, beta, c);
}
