using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Strided copies (transpose, slice, concat, pad, expand and their gradients) and reductions.</summary>
public sealed unsafe partial class CpuKernels
{
    public void StridedCopy(in StridedDesc d, IBuffer source, IBuffer destination, bool accumulate)
    {
        int rank = d.Shape.Length;
        if (d.SrcStrides.Length != rank || d.DstStrides.Length != rank)
            throw new ArgumentException($"strided copy: shape rank {rank}, source strides {d.SrcStrides.Length}, destination strides {d.DstStrides.Length}");
        var layout = StridedLayout.Create(d.Shape, d.SrcStrides, d.DstStrides);
        if (layout.Count == 0) return;
        float* src = InBounds(source, d.SrcOffset, layout.S0, layout), dst = InBounds(destination, d.DstOffset, layout.S1, layout);
        int last = layout.Rank - 1;
        var runs = new CopyRuns(src, layout.S0[last], dst, layout.S1[last], accumulate);
        ForRange(layout.Count, (s, e) =>
        {
            var job = runs;
            layout.ForRuns(s, e, ref job);
        });
    }

    /// <summary>The address of the element at <paramref name="offset"/> after checking that every index of the
    /// layout stays inside the buffer (the copy then walks raw pointers).</summary>
    private static float* InBounds(IBuffer b, long offset, in LayoutDims strides, in StridedLayout l)
    {
        long lo = offset, hi = offset;
        for (int k = 0; k < l.Rank; k++)
        {
            long reach = (l.Sizes[k] - 1) * strides[k];
            if (reach < 0) lo += reach;
            else hi += reach;
        }
        var buffer = B(b);
        if (lo < 0 || hi >= buffer.Length)
            throw new ArgumentException($"strided copy reaches elements {lo}..{hi} of a buffer of {buffer.Length}");
        return buffer.Pointer + offset;
    }

    /// <summary>One run of a strided copy: contiguous runs copy or add with vectors, a stride-0 source fills,
    /// anything else steps element by element.</summary>
    private readonly struct CopyRuns(float* src, long srcStride, float* dst, long dstStride, bool accumulate) : IRunJob
    {
        public void Run(long os, long od, long unused, int count)
        {
            float* s = src + os, t = dst + od;
            if (dstStride == 1 && srcStride == 1)
            {
                if (accumulate) VectorOps.Add(t, s, count);
                else VectorOps.Copy(t, s, count);
            }
            else if (dstStride == 1 && srcStride == 0)
            {
                if (accumulate) VectorOps.AddScalar(t, *s, count);
                else new Span<float>(t, count).Fill(*s);
            }
            else if (accumulate)
                for (int i = 0; i < count; i++) t[i * dstStride] += s[i * srcStride];
            else
                for (int i = 0; i < count; i++) t[i * dstStride] = s[i * srcStride];
        }
    }

    public void Reduce(in ReduceDesc d, IBuffer x, IBuffer y, bool accumulate) =>
        Reduction.Run(d, Checked(x, Count(d.InShape)), Checked(y, Count(d.OutShape)), accumulate, DegreeOfParallelism);
}
