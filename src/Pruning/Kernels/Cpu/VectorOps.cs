using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Small SIMD loops over float runs, with a fixed evaluation order (deterministic).</summary>
internal static unsafe class VectorOps
{
    /// <summary>y[i] += a * x[i].</summary>
    public static void Axpy(float* y, float* x, float a, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8) Vector256.FusedMultiplyAdd(va, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add(float* y, float* x, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) (Vector512.Load(y + i) + Vector512.Load(x + i)).Store(y + i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.Load(y + i) + Vector256.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] += x[i];
    }

    /// <summary>y[i] += a.</summary>
    public static void AddScalar(float* y, float a, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; i <= n - 16; i += 16) (Vector512.Load(y + i) + va).Store(y + i);
        }
        for (; i < n; i++) y[i] += a;
    }

    /// <summary>Sum of x[i] * y[i] as 16 lane-wise partial sums reduced at the end.</summary>
    public static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
            s = Vector512.Sum(acc);
        }
        for (; i < n; i++) s = MathF.FusedMultiplyAdd(x[i], y[i], s);
        return s;
    }

    /// <summary>Sum of x[i].</summary>
    public static float Sum(float* x, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc += Vector512.Load(x + i);
            s = Vector512.Sum(acc);
        }
        for (; i < n; i++) s += x[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(float* p, long n) => new Span<float>(p, checked((int)n)).Clear();
}
