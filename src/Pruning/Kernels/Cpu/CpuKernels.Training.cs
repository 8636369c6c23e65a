using System.Runtime.Intrinsics;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Channel gating (masks over one axis), per-unit gradient statistics, dropout masks and the SGD step.</summary>
public sealed unsafe partial class CpuKernels
{
    public void ApplyMask(in AxisMask m, IBuffer x, IBuffer y, long count)
    {
        // y = x * mask broadcast over [outer, period, inner]: a binary Mul with the mask constant along each run.
        var layout = MaskLayout(m, count);
        var job = new BinaryJob(layout, Checked(x, count), Checked(m.Mask, m.Period), null, Checked(y, count), false, DegreeOfParallelism);
        BinaryFunctions.Dispatch(BinaryOp.Mul, ref job);
    }

    public void AxisDot(in AxisMask m, IBuffer a, IBuffer b, IBuffer sums, long count)
    {
        // a at S0, the unit's sum at S1 (the mask's strides), b at S2: products summed per unit as they are formed.
        var layout = MaskLayout(m, count);
        float* pa = Checked(a, count), pb = Checked(b, count), ps = Checked(sums, m.Period);
        if (UsesVector512) Reduction.Run(layout, 1f, new DotRuns<Vector512<float>, Simd512>(pa, pb), ps, accumulate: true, DegreeOfParallelism);
        else Reduction.Run(layout, 1f, new DotRuns<Vector256<float>, Simd256>(pa, pb), ps, accumulate: true, DegreeOfParallelism);
    }

    /// <summary>The [outer, period, inner] view of a masked tensor of <paramref name="count"/> elements: the tensor's
    /// strides in S0 and S2, the mask's (0, 1, 0) in S1.</summary>
    private static StridedLayout MaskLayout(in AxisMask m, long count)
    {
        long block = m.Inner * m.Period;
        if (m.Inner < 1 || m.Period < 1 || count % block != 0 || block > int.MaxValue)
            throw new ArgumentException($"axis mask (inner {m.Inner}, period {m.Period}) over {count} elements: the count must be a whole number of mask periods");
        int[] shape = [(int)(count / block), (int)m.Period, (int)m.Inner];
        long[] dense = [block, m.Inner, 1];
        return StridedLayout.Create(shape, dense, [0, 1, 0], dense);
    }

    public void RandomMask(IBuffer mask, long count, float keep, ulong seed, ulong offset)
    {
        nint mp = (nint)Checked(mask, count);
        float scale = 1 / keep;
        ForRange(count, (s, e) =>
        {
            float* m = (float*)mp;
            for (long i = s; i < e; i++) m[i] = CounterRandom.Uniform(seed, offset + (ulong)i) < keep ? scale : 0;
        });
    }

    public void Sgd(in SgdDesc d, IBuffer weights, IBuffer grad, IBuffer velocity, IReadOnlyList<AxisMask> freeze)
    {
        // Frozen elements come in runs along which every mask is constant: each run is updated with vectors or skipped.
        var masks = new (nint Mask, long Inner, long Period)[freeze.Count];
        for (int i = 0; i < masks.Length; i++)
            masks[i] = ((nint)Checked(freeze[i].Mask, freeze[i].Period), Math.Max(1, freeze[i].Inner), freeze[i].Period);
        nint w = (nint)Checked(weights, d.Count), g = (nint)Checked(grad, d.Count), v = (nint)Checked(velocity, d.Count);
        var desc = d;
        ForRange(d.Count, (s, e) =>
        {
            for (long pos = s; pos < e;)
            {
                long run = e - pos;
                bool frozen = false;
                foreach (var (mask, inner, period) in masks)
                {
                    long unit = pos / inner;
                    run = Math.Min(run, (unit + 1) * inner - pos);
                    frozen |= ((float*)mask)[unit % period] == 0;
                }
                if (!frozen)
                {
                    if (UsesVector512) SgdRun<Vector512<float>, Simd512>(desc, (float*)w + pos, (float*)g + pos, (float*)v + pos, (int)run);
                    else SgdRun<Vector256<float>, Simd256>(desc, (float*)w + pos, (float*)g + pos, (float*)v + pos, (int)run);
                }
                pos += run;
            }
        });
    }

    /// <summary>g = grad + wd w; v = momentum v + g; w -= lr (nesterov ? g + momentum v : v). Multiplies and adds
    /// are kept apart (no fused multiply-add), as the reference's float arithmetic rounds them.</summary>
    private static void SgdRun<TV, TS>(in SgdDesc d, float* w, float* grad, float* velocity, int n) where TV : struct where TS : struct, ISimdMath<TV>
    {
        TV lr = TS.Splat(d.Lr), momentum = TS.Splat(d.Momentum), decay = TS.Splat(d.WeightDecay);
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV wv = ElementwiseLoops<TV, TS>.Load(w + i, count);
            TV g = TS.Add(ElementwiseLoops<TV, TS>.Load(grad + i, count), TS.Mul(decay, wv));
            TV v = TS.Add(TS.Mul(momentum, ElementwiseLoops<TV, TS>.Load(velocity + i, count)), g);
            TV step = d.Nesterov ? TS.Add(g, TS.Mul(momentum, v)) : v;
            ElementwiseLoops<TV, TS>.Store(v, velocity + i, count);
            ElementwiseLoops<TV, TS>.Store(TS.Sub(wv, TS.Mul(lr, step)), w + i, count);
        }
    }
}
