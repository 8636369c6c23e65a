using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The values a reduction sums, run by run: a run is <c>n</c> consecutive elements along the layout's innermost
/// dim, starting at offsets o0, o1, o2 of its three stride sets (o1 also locates the output).
/// </summary>
internal unsafe interface IRunSource
{
    /// <summary>The sum of the run's values.</summary>
    double Sum(long o0, long o1, long o2, int n);
    /// <summary>block[j] = (first) or += (otherwise) value j of the run.</summary>
    void Add(float* block, long o0, long o1, long o2, int n, bool first);
}

/// <summary>
/// Sums over the reduced axes of a layout whose S1 strides are 0 on reduced dims and the output's strides
/// on kept ones. The coalesced dims alternate kept and reduced; when the innermost is reduced each output is a
/// sum of runs (parallel over outputs), when it is kept each output row is a sum of rows (parallel over rows
/// and column chunks). Runs are summed in float vectors in blocks and the blocks in double, in a fixed
/// order: the result does not depend on the thread count (plain inputs are summed in double lanes
/// throughout, see <see cref="WideSum"/>). What is summed comes from an
/// <see cref="IRunSource"/>: the input itself (<see cref="IKernels.Reduce"/>) or a product computed on the
/// fly (gradients of broadcast operands, per-unit dot products), so no product is written to memory.
/// </summary>
internal static unsafe class Reduction
{
    /// <summary>Floats per vector sum before it is added into the double total.</summary>
    private const int RunBlock = 4096;
    /// <summary>Output columns per work item when the innermost dim is kept.</summary>
    private const int Columns = 512;
    /// <summary>Rows added in float before the block is added into the double totals.</summary>
    private const int RowBlock = 64;
    /// <summary>Input elements below which a reduction stays on the calling thread.</summary>
    private const long Grain = 1 << 15;

    /// <summary>y (+)= Scale * (x summed over the reduced axes).</summary>
    public static void Run(in ReduceDesc d, float* x, float* y, bool accumulate, int degree)
    {
        var layout = Layout(d);
        if (layout.Count == 0)
        {
            // Nothing to sum: an output that exists (an empty axis was reduced) is 0, or keeps its value.
            long outputs = 1;
            foreach (int s in d.OutShape) outputs *= s;
            if (!accumulate) new Span<float>(y, checked((int)outputs)).Clear();
            return;
        }
        Run(layout, d.Scale, new InputRuns(x), y, accumulate, degree);
    }

    /// <summary>y (+)= scale * (the source's values summed over the layout's reduced dims).</summary>
    public static void Run<TSource>(in StridedLayout layout, float scale, TSource source, float* y, bool accumulate, int degree)
        where TSource : struct, IRunSource
    {
        if (layout.Count == 0) return;
        if (layout.S1[layout.Rank - 1] == 0) ReduceRuns(layout, scale, source, y, accumulate, degree);
        else ReduceRows(layout, scale, source, y, accumulate, degree);
    }

    /// <summary>Input strides in S0, output strides in S1 (0 on reduced dims), coalesced.</summary>
    public static StridedLayout Layout(in ReduceDesc d)
    {
        int rank = d.InShape.Length;
        if (d.OutShape.Length != rank)
            throw new ArgumentException($"Reduce: input rank {rank} and output rank {d.OutShape.Length} differ");
        for (int k = 0; k < rank; k++)
            if (d.OutShape[k] != d.InShape[k] && d.OutShape[k] != 1)
                throw new ArgumentException($"Reduce: output dim {k} is {d.OutShape[k]}, not 1 or the input's {d.InShape[k]}");
        Span<long> si = stackalloc long[rank], so = stackalloc long[rank];
        StridedLayout.Strides(d.InShape, si);
        StridedLayout.Strides(d.OutShape, so, broadcast: true);
        return StridedLayout.Create(d.InShape, si, so);
    }

    /// <summary>The dims of <paramref name="l"/> below <paramref name="upTo"/> that are reduced (or kept).</summary>
    private static StridedLayout Pick(in StridedLayout l, bool reduced, int upTo)
    {
        var p = new StridedLayout();
        for (int k = 0; k < upTo; k++)
        {
            if ((l.S1[k] == 0) != reduced) continue;
            (p.Sizes[p.Rank], p.S0[p.Rank], p.S1[p.Rank], p.S2[p.Rank]) = (l.Sizes[k], l.S0[k], l.S1[k], l.S2[k]);
            p.Rank++;
        }
        return p;
    }

    /// <summary>Innermost dim reduced: output o = sum over the outer reduced positions of a run.</summary>
    private static void ReduceRuns<TSource>(in StridedLayout l, float scale, TSource source, float* y, bool accumulate, int degree)
        where TSource : struct, IRunSource
    {
        int last = l.Rank - 1, run = (int)l.Inner;
        long s0 = l.S0[last], s2 = l.S2[last];
        StridedLayout kept = Pick(l, reduced: false, l.Rank), reduced = Pick(l, reduced: true, last);
        long outputs = kept.Count, perOutput = reduced.Count;
        nint yp = (nint)y;
        ParallelRanges.For(outputs, degree, Math.Max(1, Grain / (run * perOutput)), (start, end) =>
        {
            var k = new LayoutCursor(kept, start);
            for (long o = start; o < end; o++, k.Next())
            {
                double total = 0;
                var r = new LayoutCursor(reduced, 0);
                for (long q = 0; q < perOutput; q++, r.Next())
                    for (int i = 0; i < run; i += RunBlock)
                        total += source.Sum(k.O0 + r.O0 + i * s0, k.O1 + r.O1, k.O2 + r.O2 + i * s2, Math.Min(RunBlock, run - i));
                Write((float*)yp + k.O1, total, scale, accumulate);
            }
        }, align: 1);
    }

    /// <summary>Innermost dim kept: output row = sum over all reduced positions of a row.</summary>
    private static void ReduceRows<TSource>(in StridedLayout l, float scale, TSource source, float* y, bool accumulate, int degree)
        where TSource : struct, IRunSource
    {
        int last = l.Rank - 1, width = (int)l.Inner, chunks = (width + Columns - 1) / Columns;
        long s0 = l.S0[last], s2 = l.S2[last];
        StridedLayout rows = Pick(l, reduced: false, last), reduced = Pick(l, reduced: true, l.Rank);
        long perRow = reduced.Count;
        nint yp = (nint)y;
        ParallelRanges.For(rows.Count * chunks, degree, Math.Max(1, Grain / ((long)Math.Min(width, Columns) * perRow)), (start, end) =>
        {
            double* totals = stackalloc double[Columns];
            float* block = stackalloc float[Columns];
            for (long item = start; item < end; item++)
            {
                int c0 = (int)(item % chunks) * Columns, n = Math.Min(Columns, width - c0);
                var row = new LayoutCursor(rows, item / chunks);
                new Span<double>(totals, n).Clear();
                var r = new LayoutCursor(reduced, 0);
                for (long q = 0; q < perRow; q++, r.Next())
                {
                    source.Add(block, row.O0 + r.O0 + c0 * s0, row.O1 + r.O1 + c0, row.O2 + r.O2 + c0 * s2, n, first: q % RowBlock == 0);
                    if (q % RowBlock == RowBlock - 1 || q == perRow - 1)
                        for (int j = 0; j < n; j++) totals[j] += block[j];
                }
                float* dst = (float*)yp + row.O1 + c0;
                for (int j = 0; j < n; j++) Write(dst + j, totals[j], scale, accumulate);
            }
        }, align: 1);
    }

    private static void Write(float* y, double total, float scale, bool accumulate)
    {
        float v = (float)(total * scale);
        *y = accumulate ? *y + v : v;
    }

    /// <summary>The input's own values (at S0 offsets), summed in double lanes (see <see cref="WideSum"/>).</summary>
    private readonly struct InputRuns(float* x) : IRunSource
    {
        public double Sum(long o0, long o1, long o2, int n) => WideSum.Sum(x + o0, n);

        public void Add(float* block, long o0, long o1, long o2, int n, bool first)
        {
            if (first) VectorOps.Copy(block, x + o0, n);
            else VectorOps.Add(block, x + o0, n);
        }
    }
}
