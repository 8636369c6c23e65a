using System.Runtime.CompilerServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>A channel of an [N, C, Spatial] tensor: <paramref name="Runs"/> runs of <paramref name="Length"/> floats,
/// run n starting at First + n * Step.</summary>
internal readonly record struct ChannelRuns(long First, long Step, int Runs, int Length);

/// <summary>How batch normalization's statistics cut runs into blocks and merge the blocks' moments.</summary>
internal static class BatchNormBlocks
{
    /// <summary>Floats in a block of a run. A run no longer than this is one block, so its partial sums can be
    /// taken plane by plane in memory order and merged per channel afterwards with the same result as the
    /// channel-by-channel loops.</summary>
    public const int Length = 4096;

    /// <summary>Chan et al.'s running merge of block moments, in the order blocks are added.</summary>
    public struct MomentsMerge
    {
        public double Mean, M2;
        private long _seen;

        public void Add(double blockMean, double blockM2, int length)
        {
            long total = _seen + length;
            double delta = blockMean - Mean;
            Mean += delta * length / total;
            M2 += blockM2 + delta * delta * _seen * length / total;
            _seen = total;
        }
    }
}

/// <summary>
/// Batch normalization of one channel, run by run ([N, C, Spatial]: one run of Spatial floats per image).
/// Sums are float vectors over blocks of a run, combined in double in a fixed order.
/// </summary>
internal static unsafe class BatchNormLoops<TV, TS> where TV : struct where TS : struct, ISimdMath<TV>
{
    private const int Block = BatchNormBlocks.Length;

    /// <summary>(mean, sum of squared deviations from it) in one pass over memory: each block (L1-sized) is
    /// summed, then its squared deviations from its own mean taken while it is in cache, and the blocks
    /// are merged in order with Chan et al.'s update (no E[x^2] - mean^2 cancellation anywhere).</summary>
    public static (double Mean, double SquaredDeviation) Moments(float* x, in ChannelRuns c)
    {
        var merged = new BatchNormBlocks.MomentsMerge();
        for (int n = 0; n < c.Runs; n++)
            for (int i = 0; i < c.Length; i += Block)
            {
                int len = Math.Min(Block, c.Length - i);
                var (blockMean, blockM2) = BlockMoments(x + c.First + n * c.Step + i, len);
                merged.Add(blockMean, blockM2, len);
            }
        return (merged.Mean, merged.M2);
    }

    /// <summary>One block's mean and sum of squared deviations from it.</summary>
    public static (double Mean, double M2) BlockMoments(float* p, int length)
    {
        double mean = VectorOps.Sum(p, length) / (double)length;
        return (mean, SquaredDeviation(p, length, (float)mean));
    }

    /// <summary>Sum of (x - mean)^2 over one block: two FMA chains over full vectors, then the tail.</summary>
    private static double SquaredDeviation(float* p, int length, float mean)
    {
        TV m = TS.Splat(mean), acc0 = TS.Zero, acc1 = TS.Zero;
        int i = 0;
        for (; i <= length - 2 * TS.Count; i += 2 * TS.Count)
        {
            TV d0 = TS.Sub(TS.Load(p + i), m), d1 = TS.Sub(TS.Load(p + i + TS.Count), m);
            acc0 = TS.Fma(d0, d0, acc0);
            acc1 = TS.Fma(d1, d1, acc1);
        }
        for (; i < length; i += TS.Count)
        {
            int count = Math.Min(TS.Count, length - i);
            // Masked lanes load 0 and must add 0, not mean^2.
            TV d = TS.Select(TS.RangeMask(0, count), TS.Sub(Load(p + i, count), m), TS.Zero);
            acc0 = TS.Fma(d, d, acc0);
        }
        return TS.Sum(TS.Add(acc0, acc1));
    }

    /// <summary>y = (x - mean) * scale + shift over one run of n.</summary>
    public static void Normalize(float* x, float* y, int n, float mean, float scale, float shift)
    {
        TV m = TS.Splat(mean), s = TS.Splat(scale), t = TS.Splat(shift);
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(Affine(TS.Load(x + i), m, s, t), y + i);
        if (i < n) Store(Affine(Load(x + i, n - i), m, s, t), y + i, n - i);
    }

    /// <summary>y = f((x - mean) * scale + shift) over one run of n: BN with its fused activation f, whose values
    /// never make a pass over memory of their own.</summary>
    public static void NormalizeActivated<TF>(float* x, float* y, int n, float mean, float scale, float shift, in UnaryArgs<TV> p)
        where TF : struct, IUnaryFunction
    {
        TV m = TS.Splat(mean), s = TS.Splat(scale), t = TS.Splat(shift);
        int i = 0;
        for (; i <= n - TS.Count; i += TS.Count) TS.Store(TF.Value<TV, TS>(Affine(TS.Load(x + i), m, s, t), p), y + i);
        if (i < n) Store(TF.Value<TV, TS>(Affine(Load(x + i, n - i), m, s, t), p), y + i, n - i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Affine(TV x, TV mean, TV scale, TV shift) => TS.Fma(TS.Sub(x, mean), scale, shift);

    /// <summary>(sum of dy, sum of dy * (x - mean)). The first is summed in double lanes (<see cref="WideSum"/>):
    /// it is the bias gradient, zero in exact arithmetic when a shift-invariant layer follows.</summary>
    public static (double Dy, double DyCentered) GradientSums(float* x, float* dy, in ChannelRuns c, float mean)
    {
        double sdy = 0, sdyx = 0;
        for (int n = 0; n < c.Runs; n++)
        {
            float* xr = x + c.First + n * c.Step, gr = dy + c.First + n * c.Step;
            for (int b = 0; b < c.Length; b += Block)
            {
                var (blockDy, blockDyCentered) = BlockGradientSums(xr + b, gr + b, Math.Min(Block, c.Length - b), mean);
                sdy += blockDy;
                sdyx += blockDyCentered;
            }
        }
        return (sdy, sdyx);
    }

    /// <summary>One block's (sum of dy, sum of dy * (x - mean)).</summary>
    public static (double Dy, double DyCentered) BlockGradientSums(float* xr, float* gr, int length, float mean)
    {
        TV m = TS.Splat(mean), p0 = TS.Zero, p1 = TS.Zero;
        int i = 0;
        for (; i <= length - 2 * TS.Count; i += 2 * TS.Count)
        {
            p0 = TS.Fma(TS.Load(gr + i), TS.Sub(TS.Load(xr + i), m), p0);
            p1 = TS.Fma(TS.Load(gr + i + TS.Count), TS.Sub(TS.Load(xr + i + TS.Count), m), p1);
        }
        // Masked lanes of dy are 0, so they add 0.
        for (; i < length; i += TS.Count)
        {
            int count = Math.Min(TS.Count, length - i);
            p0 = TS.Fma(Load(gr + i, count), TS.Sub(Load(xr + i, count), m), p0);
        }
        return (WideSum.Sum(gr, length), TS.Sum(TS.Add(p0, p1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Load(float* p, int count) => ElementwiseLoops<TV, TS>.Load(p, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(TV v, float* p, int count) => ElementwiseLoops<TV, TS>.Store(v, p, count);
}
