using System.Runtime.CompilerServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Fixed room for the dims of a <see cref="StridedLayout"/>, so layouts live on the stack.</summary>
[InlineArray(StridedLayout.MaxRank)]
internal struct LayoutDims
{
    private long _element;
}

/// <summary>A run of elements handed to a kernel by <see cref="StridedLayout.ForRuns{TJob}"/>: the offsets of its
/// first element in each stride set, and its length (along the layout's innermost dim).</summary>
internal interface IRunJob
{
    void Run(long o0, long o1, long o2, int count);
}

/// <summary>
/// An index space with up to three stride sets over it (the operands and result of an element-wise op, or
/// the source and destination of a copy), coalesced: size-1 dims dropped and neighbouring dims merged when
/// every set steps through them as one (stride[k] = stride[k + 1] * size[k + 1]). What remains is the
/// fewest loops: a same-shape op becomes one run, a per-channel bias over NCHW runs of H * W with the bias
/// constant along each. Element order is row-major over the original shape.
/// </summary>
internal struct StridedLayout
{
    public const int MaxRank = 8;

    public int Rank;
    public LayoutDims Sizes, S0, S1, S2;

    public readonly long Count
    {
        get
        {
            long c = 1;
            for (int k = 0; k < Rank; k++) c *= Sizes[k];
            return c;
        }
    }

    /// <summary>Size of the innermost dim: the length of a full run.</summary>
    public readonly long Inner => Sizes[Rank - 1];

    public static StridedLayout Create(ReadOnlySpan<int> shape, ReadOnlySpan<long> s0, ReadOnlySpan<long> s1, ReadOnlySpan<long> s2 = default)
    {
        var l = new StridedLayout();
        for (int k = 0; k < shape.Length; k++)
        {
            if (shape[k] == 0)
            {
                // An empty index space: one dim of size 0, so Count is 0 and callers stop.
                l = new StridedLayout { Rank = 1 };
                return l;
            }
            if (shape[k] == 1) continue;
            long t0 = s0[k], t1 = s1[k], t2 = s2.IsEmpty ? 0 : s2[k];
            int last = l.Rank - 1;
            if (last >= 0 && l.S0[last] == t0 * shape[k] && l.S1[last] == t1 * shape[k] && l.S2[last] == t2 * shape[k])
            {
                l.Sizes[last] *= shape[k];
                (l.S0[last], l.S1[last], l.S2[last]) = (t0, t1, t2);
                continue;
            }
            if (l.Rank == MaxRank) throw new ArgumentException($"more than {MaxRank} independent dims in a strided layout of shape [{string.Join(", ", shape.ToArray())}]");
            l.Sizes[l.Rank] = shape[k];
            (l.S0[l.Rank], l.S1[l.Rank], l.S2[l.Rank]) = (t0, t1, t2);
            l.Rank++;
        }
        if (l.Rank == 0)
        {
            // A single element.
            l.Rank = 1;
            l.Sizes[0] = 1;
        }
        return l;
    }

    /// <summary>The layout without its innermost dim (rank 0 is a single position).</summary>
    public readonly StridedLayout Outer()
    {
        var o = this;
        o.Rank--;
        return o;
    }

    /// <summary>Calls job.Run on the runs covering elements [start, end) in row-major order.</summary>
    public readonly void ForRuns<TJob>(long start, long end, ref TJob job) where TJob : struct, IRunJob
    {
        int last = Rank - 1;
        long inner = Sizes[last];
        var cursor = new LayoutCursor(Outer(), start / inner);
        long col = start % inner;
        while (start < end)
        {
            int len = (int)Math.Min(inner - col, end - start);
            job.Run(cursor.O0 + col * S0[last], cursor.O1 + col * S1[last], cursor.O2 + col * S2[last], len);
            start += len;
            col = 0;
            cursor.Next();
        }
    }

    /// <summary>Row-major strides of <paramref name="shape"/>; with <paramref name="broadcast"/>, 0 on its size-1
    /// dims (the same element for every index there).</summary>
    public static void Strides(ReadOnlySpan<int> shape, Span<long> strides, bool broadcast = false)
    {
        long step = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            strides[k] = broadcast && shape[k] == 1 ? 0 : step;
            step *= shape[k];
        }
    }
}

/// <summary>An odometer over all dims of a layout, keeping each stride set's offset of the current position.</summary>
internal struct LayoutCursor
{
    private readonly StridedLayout _layout;
    private LayoutDims _index;
    public long O0, O1, O2;

    public LayoutCursor(in StridedLayout layout, long position)
    {
        _layout = layout;
        for (int k = layout.Rank - 1; k >= 0; k--)
        {
            long size = layout.Sizes[k], i = position % size;
            position /= size;
            _index[k] = i;
            O0 += i * layout.S0[k];
            O1 += i * layout.S1[k];
            O2 += i * layout.S2[k];
        }
    }

    public void Next()
    {
        for (int k = _layout.Rank - 1; k >= 0; k--)
        {
            O0 += _layout.S0[k];
            O1 += _layout.S1[k];
            O2 += _layout.S2[k];
            if (++_index[k] < _layout.Sizes[k]) return;
            O0 -= _layout.S0[k] * _layout.Sizes[k];
            O1 -= _layout.S1[k] * _layout.Sizes[k];
            O2 -= _layout.S2[k] * _layout.Sizes[k];
            _index[k] = 0;
        }
    }
}
