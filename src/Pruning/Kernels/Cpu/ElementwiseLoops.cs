using System.Runtime.CompilerServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The vector loops of the element-wise primitives over one run of elements: full vectors, then one masked
/// vector for the tail, so every element goes through the same lane arithmetic wherever a run starts or
/// ends (results do not depend on how a range is split). Each loop's body is one inlined step called with
/// the full width (its tail checks fold away) and once with the tail's count. A binary operand is either a
/// run (stride 1) or one value broadcast along the run.
/// </summary>
internal static unsafe class ElementwiseLoops<TV, TS> where TV : struct where TS : struct, ISimdMath<TV>
{
    /// <summary>y = f(x).</summary>
    public static void Map<TF>(float* x, float* y, int n, in UnaryArgs<TV> p) where TF : struct, IUnaryFunction
    {
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) MapStep<TF>(x + i, y + i, TS.Count, p);
        if (i < n) MapStep<TF>(x + i, y + i, n - i, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MapStep<TF>(float* x, float* y, int count, in UnaryArgs<TV> p) where TF : struct, IUnaryFunction =>
        Store(TF.Value<TV, TS>(Load(x, count), p), y, count);

    /// <summary>dx (+)= dy * f'(x), with y = f(x) read only by functions whose slope uses it.</summary>
    public static void Slope<TF>(float* x, float* y, float* dy, float* dx, int n, bool accumulate, in UnaryArgs<TV> p)
        where TF : struct, IUnaryFunction
    {
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) SlopeStep<TF>(x + i, y + i, dy + i, dx + i, TS.Count, accumulate, p);
        if (i < n) SlopeStep<TF>(x + i, y + i, dy + i, dx + i, n - i, accumulate, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SlopeStep<TF>(float* x, float* y, float* dy, float* dx, int count, bool accumulate, in UnaryArgs<TV> p)
        where TF : struct, IUnaryFunction
    {
        TV slope = TF.Slope<TV, TS>(Load(x, count), TF.SlopeUsesY ? Load(y, count) : TS.Zero, p);
        TV g = TS.Mul(Load(dy, count), slope);
        if (accumulate) g = TS.Add(Load(dx, count), g);
        Store(g, dx, count);
    }

    /// <summary>y = f(a, b); an operand that is not a run is the value at its pointer.</summary>
    public static void Binary<TF>(float* a, bool aRun, float* b, bool bRun, float* y, int n) where TF : struct, IBinaryFunction
    {
        TV sa = aRun ? TS.Zero : TS.Splat(*a), sb = bRun ? TS.Zero : TS.Splat(*b);
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count)
            Store(TF.Value<TV, TS>(aRun ? TS.Load(a + i) : sa, bRun ? TS.Load(b + i) : sb), y + i, TS.Count);
        if (i < n) Store(TF.Value<TV, TS>(aRun ? Load(a + i, n - i) : sa, bRun ? Load(b + i, n - i) : sb), y + i, n - i);
    }

    /// <summary>y = g(f(a, b)) over runs a and b: a binary op and the activation fused after it, in one pass.</summary>
    public static void BinaryActivated<TF, TG>(float* a, float* b, float* y, int n, in UnaryArgs<TV> p)
        where TF : struct, IBinaryFunction where TG : struct, IUnaryFunction
    {
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(TG.Value<TV, TS>(TF.Value<TV, TS>(TS.Load(a + i), TS.Load(b + i)), p), y + i);
        if (i < n) Store(TG.Value<TV, TS>(TF.Value<TV, TS>(Load(a + i, n - i), Load(b + i, n - i)), p), y + i, n - i);
    }

    /// <summary>dst (+)= dy * (d f / d a) or (d f / d b), per element of the output.</summary>
    public static void BinaryGradient<TF>(bool wrtA, float* a, bool aRun, float* b, bool bRun, float* dy, float* dst, int n, bool accumulate)
        where TF : struct, IBinaryFunction
    {
        TV sa = aRun ? TS.Zero : TS.Splat(*a), sb = bRun ? TS.Zero : TS.Splat(*b);
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count)
            GradientStep<TF>(wrtA, aRun ? TS.Load(a + i) : sa, bRun ? TS.Load(b + i) : sb, dy + i, dst + i, TS.Count, accumulate);
        if (i < n)
            GradientStep<TF>(wrtA, aRun ? Load(a + i, n - i) : sa, bRun ? Load(b + i, n - i) : sb, dy + i, dst + i, n - i, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientStep<TF>(bool wrtA, TV va, TV vb, float* dy, float* dst, int count, bool accumulate) where TF : struct, IBinaryFunction
    {
        TV g = TS.Mul(Load(dy, count), wrtA ? TF.PartialA<TV, TS>(va, vb) : TF.PartialB<TV, TS>(va, vb));
        if (accumulate) g = TS.Add(Load(dst, count), g);
        Store(g, dst, count);
    }

    /// <summary>A full vector, or the first <paramref name="count"/> lanes and zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Load(float* p, int count) => count == TS.Count ? TS.Load(p) : TS.LoadPartial(p, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(TV v, float* p, int count)
    {
        if (count == TS.Count) TS.Store(v, p);
        else TS.StorePartial(v, p, count);
    }
}
