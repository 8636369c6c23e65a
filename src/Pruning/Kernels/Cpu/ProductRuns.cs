using System.Runtime.CompilerServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Products summed by <see cref="Reduction"/> without being stored: the gradient of a broadcast binary operand
/// (dy times its partial) and per-unit dot products. Layout: S0 locates dy (or the first factor), S1 the
/// reduction's output (the broadcast operand itself for a gradient), S2 the other operand.
/// </summary>
internal readonly unsafe struct GradientRuns<TF, TV, TS>(bool wrtA, float* x, bool xRun, float* other, bool otherRun, float* dy) : IRunSource
    where TF : struct, IBinaryFunction where TV : struct where TS : struct, ISimdMath<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TV Value(long o0, long o1, long o2, int i, int count)
    {
        TV xv = xRun ? ElementwiseLoops<TV, TS>.Load(x + o1 + i, count) : TS.Splat(x[o1]);
        TV ov = otherRun ? ElementwiseLoops<TV, TS>.Load(other + o2 + i, count) : TS.Splat(other[o2]);
        TV partial = wrtA ? TF.PartialA<TV, TS>(xv, ov) : TF.PartialB<TV, TS>(ov, xv);
        // Masked-off lanes of dy are 0, but a partial there may be NaN (0 / 0): select, do not multiply.
        TV g = TS.Mul(ElementwiseLoops<TV, TS>.Load(dy + o0 + i, count), partial);
        return count == TS.Count ? g : TS.Select(TS.RangeMask(0, count), g, TS.Zero);
    }

    public double Sum(long o0, long o1, long o2, int n)
    {
        // Two accumulators over full vectors (independent add chains), then the masked tail.
        TV acc0 = TS.Zero, acc1 = TS.Zero;
        int i = 0;
        for (; i <= n - 2 * TS.Count; i += 2 * TS.Count)
        {
            acc0 = TS.Add(acc0, Value(o0, o1, o2, i, TS.Count));
            acc1 = TS.Add(acc1, Value(o0, o1, o2, i + TS.Count, TS.Count));
        }
        for (; i < n; i += TS.Count) acc0 = TS.Add(acc0, Value(o0, o1, o2, i, Math.Min(TS.Count, n - i)));
        return TS.Sum(TS.Add(acc0, acc1));
    }

    public void Add(float* block, long o0, long o1, long o2, int n, bool first)
    {
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV g = Value(o0, o1, o2, i, count);
            if (!first) g = TS.Add(ElementwiseLoops<TV, TS>.Load(block + i, count), g);
            ElementwiseLoops<TV, TS>.Store(g, block + i, count);
        }
    }
}

/// <summary>a * b with a at S0 and b at S2 offsets, both runs.</summary>
internal readonly unsafe struct DotRuns<TV, TS>(float* a, float* b) : IRunSource where TV : struct where TS : struct, ISimdMath<TV>
{
    public double Sum(long o0, long o1, long o2, int n)
    {
        // Two accumulators over full vectors (independent FMA chains), then the masked tail.
        float* pa = a + o0, pb = b + o2;
        TV acc0 = TS.Zero, acc1 = TS.Zero;
        int i = 0;
        for (; i <= n - 2 * TS.Count; i += 2 * TS.Count)
        {
            acc0 = TS.Fma(TS.Load(pa + i), TS.Load(pb + i), acc0);
            acc1 = TS.Fma(TS.Load(pa + i + TS.Count), TS.Load(pb + i + TS.Count), acc1);
        }
        for (; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            acc0 = TS.Fma(ElementwiseLoops<TV, TS>.Load(pa + i, count), ElementwiseLoops<TV, TS>.Load(pb + i, count), acc0);
        }
        return TS.Sum(TS.Add(acc0, acc1));
    }

    public void Add(float* block, long o0, long o1, long o2, int n, bool first)
    {
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV p = TS.Mul(ElementwiseLoops<TV, TS>.Load(a + o0 + i, count), ElementwiseLoops<TV, TS>.Load(b + o2 + i, count));
            if (!first) p = TS.Add(ElementwiseLoops<TV, TS>.Load(block + i, count), p);
            ElementwiseLoops<TV, TS>.Store(p, block + i, count);
        }
    }
}
