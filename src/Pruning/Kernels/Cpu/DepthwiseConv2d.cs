namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Direct convolution for one input channel per group (depthwise, channel multipliers, single-channel
/// inputs), where im2col + GEMM would run a GEMM of depth KernelHeight * KernelWidth. Each kernel tap
/// is a SIMD axpy (or dot product) over a run of an output row.
/// </summary>
internal static unsafe class DepthwiseConv2d
{
    /// <summary>y[n, co] = bias[co] + sum of taps; x, w, bias (may be null) and y are whole tensors.</summary>
    public static void Forward(in Conv2dShape s, float* x, float* w, float* bias, float* y, int n, int co)
    {
        int ohw = s.OutHeight * s.OutWidth;
        int ci = co / s.GroupOutChannels;
        float* dst = y + ((long)n * s.OutChannels + co) * ohw;
        float* src = x + ((long)n * s.InChannels + ci) * s.InHeight * s.InWidth;
        new Span<float>(dst, ohw).Fill(bias == null ? 0f : bias[co]);
        ForEachTap(s, (nint)dst, (nint)src, w + (long)co * s.KernelHeight * s.KernelWidth, TapOp.Forward);
    }

    /// <summary>dx[n, ci] = sum over the group's output channels of the transposed taps.</summary>
    public static void BackwardData(in Conv2dShape s, float* dy, float* w, float* dx, int n, int ci)
    {
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth;
        float* dst = dx + ((long)n * s.InChannels + ci) * hw;
        new Span<float>(dst, hw).Clear();
        for (int k = 0; k < s.GroupOutChannels; k++)
        {
            int co = ci * s.GroupOutChannels + k;
            ForEachTap(s, (nint)(dy + ((long)n * s.OutChannels + co) * ohw), (nint)dst,
                w + (long)co * s.KernelHeight * s.KernelWidth, TapOp.BackwardData);
        }
    }

    /// <summary>dw[co, :, :] (and db[co] when db is not null) summed over the batch, images in order.</summary>
    public static void BackwardWeights(in Conv2dShape s, float* x, float* dy, float* dw, float* db, int co)
    {
        int taps = s.KernelHeight * s.KernelWidth, ohw = s.OutHeight * s.OutWidth, hw = s.InHeight * s.InWidth;
        int ci = co / s.GroupOutChannels;
        float* acc = dw + (long)co * taps;
        new Span<float>(acc, taps).Clear();
        float biasSum = 0f;
        for (int n = 0; n < s.Batch; n++)
        {
            float* g = dy + ((long)n * s.OutChannels + co) * ohw;
            ForEachTap(s, (nint)g, (nint)(x + ((long)n * s.InChannels + ci) * hw), acc, TapOp.BackwardWeights);
            if (db != null) biasSum += VectorOps.Sum(g, ohw);
        }
        if (db != null) db[co] = biasSum;
    }

    private enum TapOp { Forward, BackwardData, BackwardWeights }

    /// <summary>
    /// Walks every (tap, output row) pair with its valid output run [lo, hi). <paramref name="outPlane"/>
    /// is the output-sized plane (y or dy), <paramref name="inPlane"/> the input-sized plane (x or dx).
    /// </summary>
    private static void ForEachTap(in Conv2dShape s, nint outPlane, nint inPlane, float* w, TapOp op)
    {
        int ow = s.OutWidth, sw = s.StrideW;
        for (int i = 0; i < s.KernelHeight; i++)
        {
            var (yLo, yHi) = Conv2dShape.ValidRange(s.OutHeight, s.StrideH, i * s.DilationH - s.PadTop, s.InHeight);
            for (int j = 0; j < s.KernelWidth; j++)
            {
                int xOff = j * s.DilationW - s.PadLeft;
                var (lo, hi) = Conv2dShape.ValidRange(ow, sw, xOff, s.InWidth);
                float* tap = w + i * s.KernelWidth + j;
                float dot = 0f;
                for (int oy = yLo; oy < yHi; oy++)
                {
                    float* o = (float*)outPlane + (long)oy * ow;
                    float* v = (float*)inPlane + (long)(oy * s.StrideH + i * s.DilationH - s.PadTop) * s.InWidth + xOff;
                    switch (op)
                    {
                        case TapOp.Forward when sw == 1: VectorOps.Axpy(o + lo, v + lo, *tap, hi - lo); break;
                        case TapOp.Forward: for (int q = lo; q < hi; q++) o[q] = MathF.FusedMultiplyAdd(*tap, v[q * sw], o[q]); break;
                        case TapOp.BackwardData when sw == 1: VectorOps.Axpy(v + lo, o + lo, *tap, hi - lo); break;
                        case TapOp.BackwardData: for (int q = lo; q < hi; q++) v[q * sw] = MathF.FusedMultiplyAdd(*tap, o[q], v[q * sw]); break;
                        case TapOp.BackwardWeights when sw == 1: dot += VectorOps.Dot(o + lo, v + lo, hi - lo); break;
                        default: for (int q = lo; q < hi; q++) dot = MathF.FusedMultiplyAdd(o[q], v[q * sw], dot); break;
                    }
                }
                if (op == TapOp.BackwardWeights) *tap += dot;
            }
        }
    }
}
