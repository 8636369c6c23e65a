using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Depthwise convolution (one input and one output channel per group, AVX-512) with the channels in the vector
/// lanes: each image is turned position-major (<see cref="BlockTranspose"/>) into a zero-padded buffer of
/// [padded rows][padded columns][lanes], so that every tap of every output position is one whole-vector load at a
/// fixed offset, for any kernel, stride, dilation and padding: no masks, no gathers, no branches in the loops, and
/// 16 channels per multiply-add. In NCHW the same work runs along rows of 7 to 28 positions (masked vectors, three
/// taps per row, stride-2 rows gathered) at 3-17% of peak. Forward and stride-1 grad input (the flipped kernel over
/// the complementarily padded output gradient) correlate 4 output positions at a time; strided grad input scatters
/// each output gradient onto its taps' positions in a padded buffer; grad weight sums, per 4 taps at a time, the
/// products of each output gradient with the input under those taps. Results go back to NCHW through the row tiles'
/// transpose. Every value sums in one fixed order, and grad weight over fixed image chunks reduced in chunk order, so
/// results are deterministic for a fixed degree of parallelism.
/// </summary>
internal static unsafe class ChannelLaneDepthwise
{
    /// <summary>
    /// Whether this layout runs <paramref name="s"/>: AVX-512, a depthwise convolution with channel multiplier 1, a
    /// batch that spreads over the threads (one image per task), and output rows of at most 8 positions, which fill at
    /// most half of the NCHW kernels' row vectors. On wider rows the transposes cost more than they save. Measured
    /// (`bench -- gemm`, batch 128, 2 threads; forward / grad input / grad weight, ms): 192 channels 7x7 1.02 / 1.08 /
    /// 1.26 -> 0.65 / 0.63 / 0.63, 384 7x7 2.05 / 2.2 / 2.7 -> 1.4 / 1.37 / 1.4-1.7, 144 stride 2 14->7 1.6 / 2.6-3.4 /
    /// 2.4 -> 0.88 / 1.2 / 0.95; but 144 14x14 1.55 / 1.6 / 2.0 -> 2.0 / 2.09 / 2.58 and 96 stride 2 28->14 2.15 / 3.6 /
    /// 3.15 -> 2.7-3.3 / 4.2 / 3.23.
    /// </summary>
    public static bool Applies(in Conv2dShape s, int threads) =>
        Vector512.IsHardwareAccelerated && s.Groups > 1 && s.GroupInChannels == 1 && s.GroupOutChannels == 1 && s.Batch >= threads
        && s.OutWidth <= 8;

    private const int Strip = 4;

    /// <summary>A zero-padded position-major image: Height x Width positions of Lanes floats, the data at (Top, Left).</summary>
    private readonly record struct Padded(int Top, int Left, int Height, int Width, int Lanes)
    {
        public long Floats => (long)Height * Width * Lanes;
    }

    /// <summary>output (+)= depthwise conv(input) + bias, each image's plane moments taken when <paramref name="moments"/> is not null.</summary>
    public static void Forward(in Conv2dShape s, float* x, float* w, float* bias, float* y, int dop, bool accumulate, double* moments)
    {
        int lanes = Lanes(s);
        float* taps = PackTaps(s, w, lanes, flip: false);
        try
        {
            var inPad = new Padded(s.PadTop, s.PadLeft, s.InHeight + s.PadTop + s.PadBottom, s.InWidth + s.PadLeft + s.PadRight, lanes);
            var geometry = s;
            nint px = (nint)x, py = (nint)y, pt = (nint)taps, pb = (nint)bias, pm = (nint)moments;
            CpuParallel.For(s.Batch, dop, n =>
            {
                var g = geometry;
                long inFloats = (long)g.InChannels * g.InHeight * g.InWidth, outFloats = (long)g.OutChannels * g.OutHeight * g.OutWidth;
                float* xt = ThreadScratch.Get(ScratchSlot.ConvPlanes, inPad.Floats);
                float* yt = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)g.OutHeight * g.OutWidth * lanes);
                ToPadded((float*)px + n * inFloats, g.InChannels, g.InHeight, g.InWidth, inPad, xt);
                float* next = n + dop < g.Batch ? (float*)px + (n + dop) * inFloats : null;
                Correlate(xt, inPad, (float*)pt, lanes, g.KernelHeight, g.KernelWidth, g.StrideH, g.StrideW, g.DilationH, g.DilationW,
                    g.OutHeight, g.OutWidth, yt, next, inFloats);
                float* output = (float*)py + n * outFloats;
                RowTileConv2d.ToOutput(yt, g.OutWidth, lanes, g.OutHeight, g.OutWidth, g.OutChannels, (float*)pb, output, accumulate);
                if (pm != 0 && !accumulate)
                    PlaneMoments.Write(output, g.OutChannels, g.OutHeight * g.OutWidth, (double*)pm + 2L * n * g.OutChannels);
            });
        }
        finally
        {
            NativeMemory.AlignedFree(taps);
        }
    }

    /// <summary>dx (+)= the depthwise convolution's adjoint applied to dy.</summary>
    public static void BackwardData(in Conv2dShape s, float* dy, float* w, float* dx, int dop, bool accumulate)
    {
        int lanes = Lanes(s);
        // Stride 1: dX is the flipped kernel correlated with dY padded by the kernel's reach less the forward padding.
        int reachH = (s.KernelHeight - 1) * s.DilationH, reachW = (s.KernelWidth - 1) * s.DilationW;
        bool correlate = s.StrideH == 1 && s.StrideW == 1 && s.PadTop <= reachH && s.PadBottom <= reachH && s.PadLeft <= reachW
            && s.PadRight <= reachW;
        float* taps = PackTaps(s, w, lanes, flip: correlate);
        try
        {
            var geometry = s;
            nint pdy = (nint)dy, pdx = (nint)dx, pt = (nint)taps;
            var dyPad = new Padded(reachH - s.PadTop, reachW - s.PadLeft, s.OutHeight + 2 * reachH - s.PadTop - s.PadBottom,
                s.OutWidth + 2 * reachW - s.PadLeft - s.PadRight, lanes);
            var dxPad = new Padded(s.PadTop, s.PadLeft, s.InHeight + s.PadTop + s.PadBottom, s.InWidth + s.PadLeft + s.PadRight, lanes);
            CpuParallel.For(s.Batch, dop, n =>
            {
                var g = geometry;
                long inFloats = (long)g.InChannels * g.InHeight * g.InWidth, outFloats = (long)g.OutChannels * g.OutHeight * g.OutWidth;
                float* grad = (float*)pdy + n * outFloats, output = (float*)pdx + n * inFloats;
                if (correlate)
                {
                    float* dyt = ThreadScratch.Get(ScratchSlot.ConvPlanes, dyPad.Floats);
                    float* dxt = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)g.InHeight * g.InWidth * lanes);
                    ToPadded(grad, g.OutChannels, g.OutHeight, g.OutWidth, dyPad, dyt);
                    float* next = n + dop < g.Batch ? (float*)pdy + (n + dop) * outFloats : null;
                    Correlate(dyt, dyPad, (float*)pt, lanes, g.KernelHeight, g.KernelWidth, 1, 1, g.DilationH, g.DilationW,
                        g.InHeight, g.InWidth, dxt, next, outFloats);
                    RowTileConv2d.ToOutput(dxt, g.InWidth, lanes, g.InHeight, g.InWidth, g.InChannels, null, output, accumulate);
                }
                else
                {
                    float* dyt = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)g.OutHeight * g.OutWidth * lanes);
                    float* dxt = ThreadScratch.Get(ScratchSlot.ConvColumns, dxPad.Floats);
                    BlockTranspose.ToPositionMajor(grad, g.OutChannels, g.OutHeight * g.OutWidth, dyt, lanes);
                    new Span<float>(dxt, checked((int)dxPad.Floats)).Clear();
                    Scatter(dyt, (float*)pt, lanes, g, dxt, dxPad);
                    RowTileConv2d.ToOutput(dxt + ((long)dxPad.Top * dxPad.Width + dxPad.Left) * lanes, dxPad.Width, lanes,
                        g.InHeight, g.InWidth, g.InChannels, null, output, accumulate);
                }
            });
        }
        finally
        {
            NativeMemory.AlignedFree(taps);
        }
    }

    /// <summary>dw = the weight gradient summed over the batch (overwritten).</summary>
    public static void BackwardWeights(in Conv2dShape s, float* x, float* dy, float* dw, int dop)
    {
        int lanes = Lanes(s), kernelTaps = s.KernelHeight * s.KernelWidth;
        long length = (long)kernelTaps * lanes;
        int chunks = Math.Min(s.Batch, dop);
        // One [taps][lanes] sum per fixed chunk of images, added in chunk order: deterministic for a fixed dop.
        float* sums = (float*)NativeMemory.AlignedAlloc((nuint)(chunks * length * sizeof(float)), 64);
        try
        {
            var geometry = s;
            var inPad = new Padded(s.PadTop, s.PadLeft, s.InHeight + s.PadTop + s.PadBottom, s.InWidth + s.PadLeft + s.PadRight, lanes);
            nint px = (nint)x, pdy = (nint)dy, ps = (nint)sums;
            CpuParallel.For(chunks, dop, c =>
            {
                var g = geometry;
                long inFloats = (long)g.InChannels * g.InHeight * g.InWidth, outFloats = (long)g.OutChannels * g.OutHeight * g.OutWidth;
                float* sum = (float*)ps + c * length;
                new Span<float>(sum, (int)length).Clear();
                float* xt = ThreadScratch.Get(ScratchSlot.ConvPlanes, inPad.Floats);
                float* dyt = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)g.OutHeight * g.OutWidth * lanes);
                for (int n = (int)((long)g.Batch * c / chunks); n < (int)((long)g.Batch * (c + 1) / chunks); n++)
                {
                    ToPadded((float*)px + n * inFloats, g.InChannels, g.InHeight, g.InWidth, inPad, xt);
                    BlockTranspose.ToPositionMajor((float*)pdy + n * outFloats, g.OutChannels, g.OutHeight * g.OutWidth, dyt, lanes);
                    TapSums(xt, inPad, dyt, g, sum);
                }
            });
            for (int c = 1; c < chunks; c++) VectorOps.Add(sums, sums + c * length, (int)length);
            for (int ch = 0; ch < s.OutChannels; ch++)
                for (int t = 0; t < kernelTaps; t++)
                    dw[(long)ch * kernelTaps + t] = sums[(long)t * lanes + ch];
        }
        finally
        {
            NativeMemory.AlignedFree(sums);
        }
    }

    private static int Lanes(in Conv2dShape s) => (s.OutChannels + 15) / 16 * 16;

    /// <summary>taps[t * lanes + c] = w[c, t] (t = i * kw + j; the kernel turned around when flipping), lanes past the channels zero.</summary>
    private static float* PackTaps(in Conv2dShape s, float* w, int lanes, bool flip)
    {
        int kernelTaps = s.KernelHeight * s.KernelWidth;
        var taps = (float*)NativeMemory.AlignedAlloc((nuint)((long)kernelTaps * lanes * sizeof(float)), 64);
        new Span<float>(taps, kernelTaps * lanes).Clear();
        for (int c = 0; c < s.OutChannels; c++)
            for (int t = 0; t < kernelTaps; t++)
                taps[(long)t * lanes + c] = w[(long)c * kernelTaps + (flip ? kernelTaps - 1 - t : t)];
        return taps;
    }

    /// <summary>One NCHW image into its zero-padded position-major buffer: transposed 16 positions at a time (whatever
    /// rows they span), each position's 16 lanes then copied to its padded place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ToPadded(float* src, int channels, int height, int width, in Padded p, float* dst)
    {
        int lanes = p.Lanes;
        // The padding: whole rows above and below, and the columns beside each image row.
        new Span<float>(dst, checked(p.Top * p.Width * lanes)).Clear();
        long below = (long)(p.Top + height) * p.Width * lanes;
        new Span<float>(dst + below, checked((int)(p.Floats - below))).Clear();
        int right = p.Width - p.Left - width;
        for (int iy = 0; iy < height; iy++)
        {
            float* row = dst + (long)(p.Top + iy) * p.Width * lanes;
            new Span<float>(row, p.Left * lanes).Clear();
            new Span<float>(row + (long)(p.Left + width) * lanes, right * lanes).Clear();
        }
        int positions = height * width;
        float* block = stackalloc float[16 * 16 + 16];
        block = (float*)(((nint)block + 63) & ~(nint)63);
        // Channel blocks outermost, as in BlockTranspose.ToPositionMajor (16 streams at a time).
        for (int c = 0; c < lanes; c += 16)
            for (int q = 0, iy = 0, ix = 0; q < positions; q += 16)
            {
                int count = Math.Min(16, positions - q);
                BlockTranspose.Block(src + (long)c * positions + q, positions, Math.Clamp(channels - c, 0, 16), count, block, 16, count, 16);
                for (int k = 0; k < count; k++)
                {
                    Vector512.Load(block + k * 16).Store(dst + ((nint)(p.Top + iy) * p.Width + p.Left + ix) * lanes + c);
                    if (++ix == width) (ix, iy) = (0, iy + 1);
                }
            }
    }

    /// <summary>
    /// dst[oy, ox, :] = sum over taps (i, j) of src[oy * sh + i * dh, ox * sw + j * dw, :] * taps[i * kw + j, :], the
    /// taps in order, <see cref="Strip"/> output positions of one lane vector at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate(float* src, in Padded p, float* taps, int lanes, int kh, int kw, int sh, int sw, int dh, int dw,
        int oh, int ow, float* dst, float* next, long nextFloats)
    {
        nint step = (nint)sw * lanes, row = (nint)p.Width * lanes;
        int rows = lanes / 16 * oh;
        for (int v = 0; v < lanes; v += 16)
            for (int oy = 0; oy < oh; oy++)
            {
                // The next image's NCHW data, one slice per output row, while this one computes.
                CachePrefetch.Slice(next, nextFloats, v / 16 * oh + oy, rows);
                float* inRow = src + oy * sh * row + v;
                float* outRow = dst + (long)oy * ow * lanes + v;
                int ox = 0;
                for (; ox + Strip <= ow; ox += Strip)
                {
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    float* origin = inRow + ox * step;
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                        {
                            var t = Vector512.Load(taps + (i * kw + j) * lanes + v);
                            float* at = origin + i * dh * row + (nint)j * dw * lanes;
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(at), t, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(at + step), t, a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(at + 2 * step), t, a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(at + 3 * step), t, a3);
                        }
                    float* o = outRow + (long)ox * lanes;
                    a0.Store(o);
                    a1.Store(o + lanes);
                    a2.Store(o + 2 * lanes);
                    a3.Store(o + 3 * lanes);
                }
                for (; ox < ow; ox++)
                {
                    Vector512<float> a = default;
                    float* origin = inRow + ox * step;
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                            a = Vector512.FusedMultiplyAdd(Vector512.Load(origin + i * dh * row + (nint)j * dw * lanes),
                                Vector512.Load(taps + (i * kw + j) * lanes + v), a);
                    a.Store(outRow + (long)ox * lanes);
                }
            }
    }

    /// <summary>dst[oy * sh + i * dh, ox * sw + j * dw, :] += dy[oy, ox, :] * taps[i * kw + j, :] over a zeroed padded
    /// buffer, tap by tap (each position sums its taps in tap order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scatter(float* dyt, float* taps, int lanes, in Conv2dShape s, float* dst, in Padded p)
    {
        nint step = (nint)s.StrideW * lanes, row = (nint)p.Width * lanes;
        for (int v = 0; v < lanes; v += 16)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    var t = Vector512.Load(taps + (i * s.KernelWidth + j) * lanes + v);
                    for (int oy = 0; oy < s.OutHeight; oy++)
                    {
                        float* target = dst + (oy * s.StrideH + i * s.DilationH) * row + (nint)j * s.DilationW * lanes + v;
                        float* grad = dyt + (long)oy * s.OutWidth * lanes + v;
                        for (int ox = 0; ox < s.OutWidth; ox++, target += step, grad += lanes)
                            Vector512.FusedMultiplyAdd(Vector512.Load(grad), t, Vector512.Load(target)).Store(target);
                    }
                }
    }

    /// <summary>sum[t, :] += sum over output positions of dy[oy, ox, :] * x[oy * sh + i * dh, ox * sw + j * dw, :], for
    /// up to 4 taps at a time (one load of dy per 4 multiply-adds), positions in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapSums(float* xt, in Padded p, float* dyt, in Conv2dShape s, float* sum)
    {
        int lanes = p.Lanes, kernelTaps = s.KernelHeight * s.KernelWidth;
        nint step = (nint)s.StrideW * lanes, row = (nint)p.Width * lanes;
        nint* offsets = stackalloc nint[4];
        for (int v = 0; v < lanes; v += 16)
            for (int t0 = 0; t0 < kernelTaps; t0 += 4)
            {
                int group = Math.Min(4, kernelTaps - t0);
                for (int k = 0; k < 4; k++)
                {
                    int t = t0 + Math.Min(k, group - 1);
                    offsets[k] = t / s.KernelWidth * s.DilationH * row + (nint)(t % s.KernelWidth) * s.DilationW * lanes + v;
                }
                nint o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int oy = 0; oy < s.OutHeight; oy++)
                {
                    float* origin = xt + oy * s.StrideH * row;
                    float* grad = dyt + (long)oy * s.OutWidth * lanes + v;
                    for (int ox = 0; ox < s.OutWidth; ox++, origin += step, grad += lanes)
                    {
                        var g = Vector512.Load(grad);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Load(origin + o0), g, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Load(origin + o1), g, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Load(origin + o2), g, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Load(origin + o3), g, a3);
                    }
                }
                // A group of fewer than 4 taps repeats its last tap in the spare accumulators, which are dropped.
                float* dst = sum + (long)t0 * lanes + v;
                Accumulate(dst, a0);
                if (group > 1) Accumulate(dst + lanes, a1);
                if (group > 2) Accumulate(dst + 2 * lanes, a2);
                if (group > 3) Accumulate(dst + 3 * lanes, a3);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* dst, Vector512<float> value) => (Vector512.Load(dst) + value).Store(dst);
}
