using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Sums over the axes a <see cref="ReduceDesc"/> reduces. The coalesced input alternates kept and reduced
/// dims; when the innermost dim is reduced each output is a sum of contiguous runs (parallel over outputs),
/// when it is kept each output row is a sum of rows (parallel over rows and column chunks). Runs are summed
/// in float vectors in blocks and the blocks in double, in a fixed order: the result does not depend on the
/// thread count.
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
        if (layout.S1[layout.Rank - 1] == 0) ReduceRuns(layout, d.Scale, x, y, accumulate, degree);
        else ReduceRows(layout, d.Scale, x, y, accumulate, degree);
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
            (p.Sizes[p.Rank], p.S0[p.Rank], p.S1[p.Rank]) = (l.Sizes[k], l.S0[k], l.S1[k]);
            p.Rank++;
        }
        return p;
    }

    /// <summary>Innermost dim reduced: output o = sum over the outer reduced positions of a contiguous run.</summary>
    private static void ReduceRuns(in StridedLayout l, float scale, float* x, float* y, bool accumulate, int degree)
    {
        int run = (int)l.Inner;
        StridedLayout kept = Pick(l, reduced: false, l.Rank), reduced = Pick(l, reduced: true, l.Rank - 1);
        long outputs = kept.Count, perOutput = reduced.Count;
        nint xp = (nint)x, yp = (nint)y;
        ParallelRanges.For(outputs, degree, Math.Max(1, Grain / (run * perOutput)), (start, end) =>
        {
            var k = new LayoutCursor(kept, start);
            for (long o = start; o < end; o++, k.Next())
            {
                double total = 0;
                var r = new LayoutCursor(reduced, 0);
                for (long q = 0; q < perOutput; q++, r.Next())
                {
                    float* p = (float*)xp + k.O0 + r.O0;
                    for (int i = 0; i < run; i += RunBlock) total += VectorOps.Sum(p + i, Math.Min(RunBlock, run - i));
                }
                Write((float*)yp + k.O1, total, scale, accumulate);
            }
        }, align: 1);
    }

    /// <summary>Innermost dim kept: output row = sum over all reduced positions of an input row.</summary>
    private static void ReduceRows(in StridedLayout l, float scale, float* x, float* y, bool accumulate, int degree)
    {
        int width = (int)l.Inner, chunks = (width + Columns - 1) / Columns;
        StridedLayout rows = Pick(l, reduced: false, l.Rank - 1), reduced = Pick(l, reduced: true, l.Rank);
        long perRow = reduced.Count;
        nint xp = (nint)x, yp = (nint)y;
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
                    float* p = (float*)xp + row.O0 + r.O0 + c0;
                    if (q % RowBlock == 0) VectorOps.Copy(block, p, n);
                    else VectorOps.Add(block, p, n);
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
}
