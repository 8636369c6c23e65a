namespace Spp.Pruning.Kernels.Cpu;

/// <summary>A channel of an [N, C, Spatial] tensor: <paramref name="Runs"/> runs of <paramref name="Length"/> floats,
/// run n starting at First + n * Step.</summary>
internal readonly record struct ChannelRuns(long First, long Step, int Runs, int Length);

/// <summary>
/// Batch normalization of one channel, run by run ([N, C, Spatial]: one run of Spatial floats per image).
/// Sums are float vectors over blocks of a run, combined in double in a fixed order.
/// </summary>
internal static unsafe class BatchNormLoops<TV, TS> where TV : struct where TS : struct, ISimdMath<TV>
{
    private const int Block = 4096;

    /// <summary>(mean, sum of squared deviations from it) in one pass over memory: each block (L1-sized) is
    /// summed, then its squared deviations from its own mean taken while it is in cache, and the blocks
    /// are merged in order with Chan et al.'s update (no E[x^2] - mean^2 cancellation anywhere).</summary>
    public static (double Mean, double SquaredDeviation) Moments(float* x, in ChannelRuns c)
    {
        double mean = 0, m2 = 0;
        long seen = 0;
        for (int n = 0; n < c.Runs; n++)
            for (int i = 0; i < c.Length; i += Block)
            {
                float* p = x + c.First + n * c.Step + i;
                int len = Math.Min(Block, c.Length - i);
                double blockMean = VectorOps.Sum(p, len) / (double)len;
                double blockM2 = SquaredDeviation(p, len, (float)blockMean);
                long total = seen + len;
                double delta = blockMean - mean;
                mean += delta * len / total;
                m2 += blockM2 + delta * delta * seen * len / total;
                seen = total;
            }
        return (mean, m2);
    }

    /// <summary>Sum of (x - mean)^2 over one block.</summary>
    private static double SquaredDeviation(float* p, int length, float mean)
    {
        TV m = TS.Splat(mean), acc = TS.Zero;
        for (int i = 0; i < length; i += TS.Count)
        {
            int count = Math.Min(TS.Count, length - i);
            // Masked lanes load 0 and must add 0, not mean^2.
            TV d = TS.Select(TS.RangeMask(0, count), TS.Sub(ElementwiseLoops<TV, TS>.Load(p + i, count), m), TS.Zero);
            acc = TS.Fma(d, d, acc);
        }
        return TS.Sum(acc);
    }

    /// <summary>y = (x - mean) * scale + shift.</summary>
    public static void Normalize(float* x, float* y, in ChannelRuns c, float mean, float scale, float shift)
    {
        TV m = TS.Splat(mean), s = TS.Splat(scale), t = TS.Splat(shift);
        for (int n = 0; n < c.Runs; n++)
        {
            long at = c.First + n * c.Step;
            for (int i = 0; i < c.Length; i += TS.Count)
            {
                int count = Math.Min(TS.Count, c.Length - i);
                TV v = TS.Fma(TS.Sub(ElementwiseLoops<TV, TS>.Load(x + at + i, count), m), s, t);
                ElementwiseLoops<TV, TS>.Store(v, y + at + i, count);
            }
        }
    }

    /// <summary>(sum of dy, sum of dy * (x - mean)).</summary>
    public static (double Dy, double DyCentered) GradientSums(float* x, float* dy, in ChannelRuns c, float mean)
    {
        TV m = TS.Splat(mean);
        double sdy = 0, sdyx = 0;
        for (int n = 0; n < c.Runs; n++)
        {
            long at = c.First + n * c.Step;
            for (int b = 0; b < c.Length; b += Block)
            {
                TV a0 = TS.Zero, a1 = TS.Zero;
                int end = Math.Min(c.Length, b + Block);
                for (int i = b; i < end; i += TS.Count)
                {
                    int count = Math.Min(TS.Count, end - i);
                    TV g = ElementwiseLoops<TV, TS>.Load(dy + at + i, count);
                    a0 = TS.Add(a0, g);
                    a1 = TS.Fma(g, TS.Sub(ElementwiseLoops<TV, TS>.Load(x + at + i, count), m), a1);
                }
                sdy += TS.Sum(a0);
                sdyx += TS.Sum(a1);
            }
        }
        return (sdy, sdyx);
    }

    /// <summary>dx (+)= a * dy + b * (x - mean) + k.</summary>
    public static void InputGradient(float* x, float* dy, float* dx, in ChannelRuns c, float mean, float a, float b, float k, bool accumulate)
    {
        TV m = TS.Splat(mean), va = TS.Splat(a), vb = TS.Splat(b), vk = TS.Splat(k);
        for (int n = 0; n < c.Runs; n++)
        {
            long at = c.First + n * c.Step;
            for (int i = 0; i < c.Length; i += TS.Count)
            {
                int count = Math.Min(TS.Count, c.Length - i);
                TV centered = TS.Sub(ElementwiseLoops<TV, TS>.Load(x + at + i, count), m);
                TV g = TS.Fma(va, ElementwiseLoops<TV, TS>.Load(dy + at + i, count), TS.Fma(vb, centered, vk));
                if (accumulate) g = TS.Add(ElementwiseLoops<TV, TS>.Load(dx + at + i, count), g);
                ElementwiseLoops<TV, TS>.Store(g, dx + at + i, count);
            }
        }
    }
}
