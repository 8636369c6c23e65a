namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Softmax and the soft-target cross-entropy over one softmax axis. A row (the axis contiguous, Inner = 1)
/// is cut into vectors and reduced across lanes; a column (the axis strided by Inner) keeps one position
/// per lane, so a vector of neighbouring positions runs in step. exp(x - max - log(sum)) avoids overflow,
/// and (x - max) is exact near the maximum.
/// </summary>
internal static unsafe class SoftmaxLoops<TV, TS> where TV : struct where TS : struct, ISimdMath<TV>
{
    private static TV Load(float* p, int count) => ElementwiseLoops<TV, TS>.Load(p, count);

    /// <summary>A vector, its masked-off lanes replaced by <paramref name="fill"/>.</summary>
    private static TV LoadOr(float* p, int count, TV fill) =>
        count == TS.Count ? TS.Load(p) : TS.Select(TS.RangeMask(0, count), TS.LoadPartial(p, count), fill);

    /// <summary>(max of x, log of sum of e^(x - max)) over a row of n.</summary>
    private static (TV Max, TV LogSum) RowStatistics(float* x, int n, TV scale)
    {
        TV low = TS.Splat(float.NegativeInfinity), m = low;
        for (int i = 0; i < n; i += TS.Count) m = TS.Max(m, TS.Mul(LoadOr(x + i, Math.Min(TS.Count, n - i), low), scale));
        TV max = TS.Splat(TS.MaxAcross(m)), sum = TS.Zero;
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV e = TS.Exp(TS.Sub(TS.Mul(Load(x + i, count), scale), max));
            sum = TS.Add(sum, count == TS.Count ? e : TS.Select(TS.RangeMask(0, count), e, TS.Zero));
        }
        return (max, TS.Splat(MathF.Log(TS.Sum(sum))));
    }

    public static void Row(float* x, float* y, int n, bool log)
    {
        var (max, logSum) = RowStatistics(x, n, TS.Splat(1f));
        for (int i = 0; i < n; i += TS.Count)
        {
            int count = Math.Min(TS.Count, n - i);
            TV t = TS.Sub(TS.Sub(Load(x + i, count), max), logSum);
            ElementwiseLoops<TV, TS>.Store(log ? t : TS.Exp(t), y + i, count);
        }
    }

    /// <summary>Positions [0, count) of a column block: element a of lane j at x[a * inner + j].</summary>
    public static void Column(float* x, float* y, int axis, int inner, int count, bool log)
    {
        TV max = TS.Splat(float.NegativeInfinity), sum = TS.Zero;
        for (int a = 0; a < axis; a++) max = TS.Max(max, Load(x + (long)a * inner, count));
        for (int a = 0; a < axis; a++) sum = TS.Add(sum, TS.Exp(TS.Sub(Load(x + (long)a * inner, count), max)));
        TV logSum = TS.Log(sum);
        for (int a = 0; a < axis; a++)
        {
            TV t = TS.Sub(TS.Sub(Load(x + (long)a * inner, count), max), logSum);
            ElementwiseLoops<TV, TS>.Store(log ? t : TS.Exp(t), y + (long)a * inner, count);
        }
    }

    /// <summary>Softmax: dx (+)= y (dy - sum(dy y)); log-softmax: dx (+)= dy - e^y sum(dy). Rows (inner 1) or columns.</summary>
    public static void Backward(float* y, float* dy, float* dx, int axis, int inner, int count, bool log, bool accumulate)
    {
        // A row runs along its vectors (count is then the row length); a column keeps its lanes apart.
        bool row = inner == 1;
        int steps = row ? (count + TS.Count - 1) / TS.Count : axis;
        long step = row ? TS.Count : inner;
        TV s = TS.Zero;
        for (int a = 0; a < steps; a++)
        {
            int c = row ? Math.Min(TS.Count, count - a * TS.Count) : count;
            TV g = Load(dy + a * step, c);
            s = TS.Add(s, log ? g : TS.Mul(g, Load(y + a * step, c)));
        }
        if (row) s = TS.Splat(TS.Sum(s));
        for (int a = 0; a < steps; a++)
        {
            int c = row ? Math.Min(TS.Count, count - a * TS.Count) : count;
            TV yv = Load(y + a * step, c), g = Load(dy + a * step, c);
            TV r = log ? TS.Sub(g, TS.Mul(TS.Exp(yv), s)) : TS.Mul(yv, TS.Sub(g, s));
            if (accumulate) r = TS.Add(Load(dx + a * step, c), r);
            ElementwiseLoops<TV, TS>.Store(r, dx + a * step, c);
        }
    }

    /// <summary>One row of k logits z against targets t with temperature T: returns -sum t log softmax(z / T) and,
    /// when dz is not null, writes dz = (gradScale / T) (sum(t) softmax(z / T) - t).</summary>
    public static float CrossEntropyRow(float* z, float* t, float* dz, int k, float temperature, float gradScale)
    {
        TV inv = TS.Splat(1f / temperature);
        var (max, logSum) = RowStatistics(z, k, inv);
        TV loss = TS.Zero, tsum = TS.Zero;
        for (int i = 0; i < k; i += TS.Count)
        {
            int count = Math.Min(TS.Count, k - i);
            TV tv = Load(t + i, count), logp = TS.Sub(TS.Sub(TS.Mul(Load(z + i, count), inv), max), logSum);
            loss = TS.Fma(tv, logp, loss);
            tsum = TS.Add(tsum, tv);
        }
        if (dz != null)
        {
            float c = gradScale / temperature;
            TV probability = TS.Splat(TS.Sum(tsum) * c), target = TS.Splat(-c);
            for (int i = 0; i < k; i += TS.Count)
            {
                int count = Math.Min(TS.Count, k - i);
                TV p = TS.Exp(TS.Sub(TS.Sub(TS.Mul(Load(z + i, count), inv), max), logSum));
                ElementwiseLoops<TV, TS>.Store(TS.Fma(probability, p, TS.Mul(target, Load(t + i, count))), dz + i, count);
            }
        }
        return -TS.Sum(loss);
    }
}
