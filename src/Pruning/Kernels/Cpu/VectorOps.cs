using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>SIMD loops over float runs, each with a fixed evaluation order (deterministic).</summary>
internal static unsafe class VectorOps
{
    private static readonly int s_width = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1;

    /// <summary>y[i] += a * x[i].</summary>
    public static void Axpy(float* y, float* x, float a, int n)
    {
        if (s_width == 16) Axpy<Vector512<float>, Simd512>(y, x, a, n);
        else if (s_width == 8) Axpy<Vector256<float>, Simd256>(y, x, a, n);
        else Axpy<float, SimdScalar>(y, x, a, n);
    }

    /// <summary>y[i] = Merge(x[i], alpha, beta, y[i]): beta == 0 ? x * alpha : fma(x, alpha, y * beta).</summary>
    public static void Merge(float* y, float* x, int n, float alpha, float beta)
    {
        if (s_width == 16) Merge<Vector512<float>, Simd512>(y, x, n, alpha, beta);
        else if (s_width == 8) Merge<Vector256<float>, Simd256>(y, x, n, alpha, beta);
        else for (int i = 0; i < n; i++) y[i] = MicroKernelMath.Merge(x[i], alpha, beta, y[i]);
    }

    private static void Merge<TV, TS>(float* y, float* x, int n, float alpha, float beta) where TV : struct where TS : struct, ISimd<TV>
    {
        TV va = TS.Splat(alpha), vb = TS.Splat(beta), zero = TS.Zero;
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV xv = count == TS.Count ? TS.Load(x + i) : TS.LoadPartial(x + i, count);
            TV r = beta == 0f
                ? TS.Fma(xv, va, zero)
                : TS.Fma(xv, va, TS.Mul(count == TS.Count ? TS.Load(y + i) : TS.LoadPartial(y + i, count), vb));
            if (count == TS.Count) TS.Store(r, y + i);
            else TS.StorePartial(r, y + i, count);
        }
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add(float* y, float* x, int n) => Axpy(y, x, 1f, n);

    /// <summary>y[i] += a.</summary>
    public static void AddScalar(float* y, float a, int n)
    {
        if (s_width == 16) AddScalar<Vector512<float>, Simd512>(y, a, n);
        else if (s_width == 8) AddScalar<Vector256<float>, Simd256>(y, a, n);
        else for (int i = 0; i < n; i++) y[i] += a;
    }

    private static void AddScalar<TV, TS>(float* y, float a, int n) where TV : struct where TS : struct, ISimd<TV>
    {
        TV va = TS.Splat(a);
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(TS.Add(TS.Load(y + i), va), y + i);
        if (i < n) TS.StorePartial(TS.Add(TS.LoadPartial(y + i, n - i), va), y + i, n - i);
    }

    /// <summary>Sum of x[i]: lane-wise partial sums, then the lanes, then the tail.</summary>
    public static float Sum(float* x, int n)
    {
        if (s_width == 16) return Sum<Vector512<float>, Simd512>(x, n);
        if (s_width == 8) return Sum<Vector256<float>, Simd256>(x, n);
        return Sum<float, SimdScalar>(x, n);
    }

    /// <summary>dst[q] = sum over p of w[p] * rows[p][q], p in order, for q in [0, n).</summary>
    public static void WeightedRowSum(float* dst, float** rows, float* w, int k, int n)
    {
        if (s_width == 16) WeightedRowSum<Vector512<float>, Simd512>(dst, rows, w, k, n);
        else if (s_width == 8) WeightedRowSum<Vector256<float>, Simd256>(dst, rows, w, k, n);
        else WeightedRowSum<float, SimdScalar>(dst, rows, w, k, n);
    }

    public static void Clear(float* p, long n) => new Span<float>(p, checked((int)n)).Clear();

    /// <summary>dst[i] = src[i] for a short run (no call into memmove); the runs must not overlap.</summary>
    public static void Copy(float* dst, float* src, int n)
    {
        if (s_width == 16) Copy<Vector512<float>, Simd512>(dst, src, n);
        else if (s_width == 8) Copy<Vector256<float>, Simd256>(dst, src, n);
        else new ReadOnlySpan<float>(src, n).CopyTo(new Span<float>(dst, n));
    }

    private static void Copy<TV, TS>(float* dst, float* src, int n) where TV : struct where TS : struct, ISimd<TV>
    {
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(TS.Load(src + i), dst + i);
        if (i < n) TS.StorePartial(TS.LoadPartial(src + i, n - i), dst + i, n - i);
    }

    private static void Axpy<TV, TS>(float* y, float* x, float a, int n) where TV : struct where TS : struct, ISimd<TV>
    {
        int i = 0;
        var va = TS.Splat(a);
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(TS.Fma(va, TS.Load(x + i), TS.Load(y + i)), y + i);
        if (i < n) TS.StorePartial(TS.Fma(va, TS.LoadPartial(x + i, n - i), TS.LoadPartial(y + i, n - i)), y + i, n - i);
    }

    private static float Sum<TV, TS>(float* x, int n) where TV : struct where TS : struct, ISimd<TV>
    {
        int i = 0;
        TV acc = TS.Zero;
        for (; i <= n - TS.Count; i += TS.Count) acc = TS.Add(acc, TS.Load(x + i));
        if (i < n) acc = TS.Add(acc, TS.LoadPartial(x + i, n - i));
        return TS.Sum(acc);
    }

    private static void WeightedRowSum<TV, TS>(float* dst, float** rows, float* w, int k, int n)
        where TV : struct where TS : struct, ISimd<TV>
    {
        int q = 0;
        for (; q <= n - 4 * TS.Count; q += 4 * TS.Count)
        {
            TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
            for (int p = 0; p < k; p++)
            {
                TV wp = TS.Splat(w[p]);
                float* r = rows[p] + q;
                a0 = TS.Fma(wp, TS.Load(r), a0);
                a1 = TS.Fma(wp, TS.Load(r + TS.Count), a1);
                a2 = TS.Fma(wp, TS.Load(r + 2 * TS.Count), a2);
                a3 = TS.Fma(wp, TS.Load(r + 3 * TS.Count), a3);
            }
            TS.Store(a0, dst + q);
            TS.Store(a1, dst + q + TS.Count);
            TS.Store(a2, dst + q + 2 * TS.Count);
            TS.Store(a3, dst + q + 3 * TS.Count);
        }
        for (; q < n; q += TS.Count)
        {
            int count = Math.Min(TS.Count, n - q);
            TV acc = TS.Zero;
            for (int p = 0; p < k; p++)
                acc = TS.Fma(TS.Splat(w[p]), count == TS.Count ? TS.Load(rows[p] + q) : TS.LoadPartial(rows[p] + q, count), acc);
            if (count == TS.Count) TS.Store(acc, dst + q);
            else TS.StorePartial(acc, dst + q, count);
        }
    }
}
