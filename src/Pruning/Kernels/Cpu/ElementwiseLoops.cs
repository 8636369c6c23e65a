using System.Runtime.CompilerServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The vector loops of the element-wise primitives over one run of elements: full vectors, then one masked
/// vector for the tail, so every element goes through the same lane arithmetic wherever a run starts or
/// ends (results do not depend on how a range is split). A binary operand is either a run (stride 1) or
/// one value broadcast along the run.
/// </summary>
internal static unsafe class ElementwiseLoops<TV, TS> where TV : struct where TS : struct, ISimdMath<TV>
{
    /// <summary>y = f(x).</summary>
    public static void Map<TF>(float* x, float* y, int n, in UnaryArgs<TV> p) where TF : struct, IUnaryFunction
    {
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            Store(TF.Value<TV, TS>(Load(x + i, count), p), y + i, count);
        }
    }

    /// <summary>dx (+)= dy * f'(x), with y = f(x) read only by functions whose slope uses it.</summary>
    public static void Slope<TF>(float* x, float* y, float* dy, float* dx, int n, bool accumulate, in UnaryArgs<TV> p)
        where TF : struct, IUnaryFunction
    {
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV slope = TF.Slope<TV, TS>(Load(x + i, count), TF.SlopeUsesY ? Load(y + i, count) : TS.Zero, p);
            TV g = TS.Mul(Load(dy + i, count), slope);
            if (accumulate) g = TS.Add(Load(dx + i, count), g);
            Store(g, dx + i, count);
        }
    }

    /// <summary>y = f(a, b); an operand that is not a run is the value at its pointer.</summary>
    public static void Binary<TF>(float* a, bool aRun, float* b, bool bRun, float* y, int n) where TF : struct, IBinaryFunction
    {
        TV sa = aRun ? TS.Zero : TS.Splat(*a), sb = bRun ? TS.Zero : TS.Splat(*b);
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            Store(TF.Value<TV, TS>(aRun ? Load(a + i, count) : sa, bRun ? Load(b + i, count) : sb), y + i, count);
        }
    }

    /// <summary>dst (+)= dy * (d f / d a) or (d f / d b), per element of the output.</summary>
    public static void BinaryGradient<TF>(bool wrtA, float* a, bool aRun, float* b, bool bRun, float* dy, float* dst, int n, bool accumulate)
        where TF : struct, IBinaryFunction
    {
        TV sa = aRun ? TS.Zero : TS.Splat(*a), sb = bRun ? TS.Zero : TS.Splat(*b);
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV va = aRun ? Load(a + i, count) : sa, vb = bRun ? Load(b + i, count) : sb;
            TV g = TS.Mul(Load(dy + i, count), wrtA ? TF.PartialA<TV, TS>(va, vb) : TF.PartialB<TV, TS>(va, vb));
            if (accumulate) g = TS.Add(Load(dst + i, count), g);
            Store(g, dst + i, count);
        }
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
