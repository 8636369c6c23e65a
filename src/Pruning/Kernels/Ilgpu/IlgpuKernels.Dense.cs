using ILGPU;
using ILGPU.Runtime;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>GEMM and convolution: im2col + tiled GEMM per group (the input itself serves as the
/// column matrix of a 1x1, stride-1, unpadded convolution), direct kernels for depthwise ones.</summary>
public sealed partial class IlgpuKernels
{
    /// <summary>The most floats of im2col columns held at once: convolutions take their images in
    /// chunks that fit (one image at least). 2^26 floats (256 MiB) suits a GPU.</summary>
    public long ColumnBudget { get; set; } = 1L << 26;

    Action<KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>? gemm;
    Action<Index1D, ConvArgs, int, ArrayView<float>, ArrayView<float>>? im2col;
    Action<Index1D, ConvArgs, int, ArrayView<float>, ArrayView<float>, int>? col2im;
    Action<Index1D, ConvArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>? depthwiseForward;
    Action<Index1D, ConvArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? depthwiseBackwardData;

    public void Gemm(in GemmDesc d, IBuffer a, IBuffer b, IBuffer c) => Gemm(GemmArgs.From(d), d.Batch, V(a), V(b), V(c));

    void Gemm(GemmArgs p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        if (p.M == 0 || p.N == 0 || batch == 0) return;
        gemm ??= Accelerator.LoadStreamKernel<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>(GemmKernel.Tiled);
        var t = GemmTile;
        var block = 4 * t;
        var grid = new Index3D((p.N + block - 1) / block, (p.M + block - 1) / block, batch);
        gemm(new KernelConfig(grid, new Index3D(t, t, 1), SharedMemoryConfig.RequestDynamic<float>(2 * block * t)), p, a, b, c);
    }

    static bool IsDepthwise(in ConvDesc d) => d.Groups > 1 && d.Groups == d.Cin;

    /// <summary>1x1, stride 1, no padding: the input [Cin, H*W] of an image is its own column matrix.</summary>
    static bool IsPointwise(in ConvDesc d) =>
        d.Kh == 1 && d.Kw == 1 && d.StrideH == 1 && d.StrideW == 1 && d.PadTop == 0 && d.PadLeft == 0 && d.PadBottom == 0 && d.PadRight == 0;

    /// <summary>Images per im2col chunk.</summary>
    int ChunkImages(in ConvDesc d) =>
        (int)Math.Clamp(ColumnBudget / Math.Max(1L, (long)d.Cin * d.Kh * d.Kw * d.OutH * d.OutW), 1, Math.Max(d.N, 1));

    /// <summary>The column matrices of images [n0, n0 + count): the input itself when pointwise,
    /// else im2col into scratch. Returns the view and the offset of image n0 in it.</summary>
    (ArrayView<float> View, long Offset) Columns(in ConvDesc d, ConvArgs p, ArrayView<float> x, int n0, int count)
    {
        if (IsPointwise(d)) return (x, (long)n0 * d.Cin * d.H * d.W);
        var col = scratch.Get(IlgpuScratch.Slot.Columns, (long)count * d.Cin * d.Kh * d.Kw * d.OutH * d.OutW);
        im2col ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ConvArgs, int, ArrayView<float>, ArrayView<float>>(ConvKernels.Im2Col);
        im2col(Extent(col.Length), p, n0, x, col);
        return (col, 0);
    }

    public void ConvForward(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y)
    {
        var p = ConvArgs.From(d);
        if (IsDepthwise(d))
        {
            depthwiseForward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ConvArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>(ConvKernels.DepthwiseForward);
            // Without a bias the kernel is handed y as a placeholder it never reads.
            depthwiseForward(Extent((long)d.N * d.Cout * d.OutH * d.OutW), p, V(x), V(w), bias is null ? V(y) : V(bias), bias is null ? 0 : 1, V(y));
            return;
        }
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, kk = d.Kh * d.Kw, outPlane = d.OutH * d.OutW;
        long colImage = (long)d.Cin * kk * outPlane;
        var chunk = ChunkImages(d);
        for (var n0 = 0; n0 < d.N; n0 += chunk)
        {
            var count = Math.Min(chunk, d.N - n0);
            var (col, offset) = Columns(d, p, V(x), n0, count);
            for (var g = 0; g < d.Groups; g++)
                Gemm(new GemmArgs
                {
                    M = coutG, N = outPlane, K = cinG * kk, Alpha = 1, Beta = 0,
                    OffsetA = (long)g * coutG * cinG * kk, Lda = cinG * kk, StrideA = 0,
                    OffsetB = offset + (long)g * cinG * kk * outPlane, Ldb = outPlane, StrideB = colImage,
                    OffsetC = ((long)n0 * d.Cout + g * coutG) * outPlane, Ldc = outPlane, StrideC = (long)d.Cout * outPlane,
                }, count, V(w), col, V(y));
        }
        if (bias is not null)
            Binary(BinaryOp.Add, new BroadcastDesc([d.N, d.Cout, outPlane], [d.N, d.Cout, outPlane], [1, d.Cout, 1]), V(y), V(bias), V(y));
    }

    public void ConvBackwardData(in ConvDesc d, IBuffer dy, IBuffer w, IBuffer dx, bool accumulate)
    {
        var p = ConvArgs.From(d);
        if (IsDepthwise(d))
        {
            depthwiseBackwardData ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ConvArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ConvKernels.DepthwiseBackwardData);
            depthwiseBackwardData(Extent((long)d.N * d.Cin * d.H * d.W), p, V(dy), V(w), V(dx), accumulate ? 1 : 0);
            return;
        }
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, kk = d.Kh * d.Kw, outPlane = d.OutH * d.OutW;
        long colImage = (long)d.Cin * kk * outPlane;
        var pointwise = IsPointwise(d);
        var chunk = ChunkImages(d);
        for (var n0 = 0; n0 < d.N; n0 += chunk)
        {
            var count = Math.Min(chunk, d.N - n0);
            // A pointwise convolution's column gradient is dx itself, so GEMM writes (or adds) there.
            var col = pointwise ? V(dx) : scratch.Get(IlgpuScratch.Slot.Columns, count * colImage);
            var offset = pointwise ? (long)n0 * colImage : 0;
            for (var g = 0; g < d.Groups; g++)
                Gemm(new GemmArgs
                {
                    TransA = 1, M = cinG * kk, N = outPlane, K = coutG, Alpha = 1, Beta = pointwise && accumulate ? 1 : 0,
                    OffsetA = (long)g * coutG * cinG * kk, Lda = cinG * kk, StrideA = 0,
                    OffsetB = ((long)n0 * d.Cout + g * coutG) * outPlane, Ldb = outPlane, StrideB = (long)d.Cout * outPlane,
                    OffsetC = offset + (long)g * cinG * kk * outPlane, Ldc = outPlane, StrideC = colImage,
                }, count, V(w), V(dy), col);
            if (pointwise) continue;
            col2im ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ConvArgs, int, ArrayView<float>, ArrayView<float>, int>(ConvKernels.Col2Im);
            col2im(Extent((long)count * d.Cin * d.H * d.W), p, n0, col, V(dx), accumulate ? 1 : 0);
        }
    }

    public void ConvBackwardWeights(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer dw, IBuffer? dbias, bool accumulate)
    {
        var p = ConvArgs.From(d);
        int outPlane = d.OutH * d.OutW;
        if (dbias is not null)
            RowReduce(new ChannelTerm { X = V(dy), Center = V(dy), C = d.Cout, Spatial = outPlane }, V(dbias), d.Cout, (long)d.N * outPlane, 1f, accumulate);
        if (IsDepthwise(d))
        {
            RowReduce(new DepthwiseWeightTerm { X = V(x), Dy = V(dy), P = p }, V(dw), d.Cout * d.Kh * d.Kw, (long)d.N * outPlane, 1f, accumulate);
            return;
        }
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, kk = d.Kh * d.Kw;
        long colImage = (long)d.Cin * kk * outPlane;
        long weights = (long)d.Cout * cinG * kk;
        if (weights == 0) return;
        if (d.N == 0 && !accumulate) Fill(V(dw).SubView(0, weights), 0f);
        var chunk = ChunkImages(d);
        var first = true;
        for (var n0 = 0; n0 < d.N; n0 += chunk)
        {
            var count = Math.Min(chunk, d.N - n0);
            var (col, offset) = Columns(d, p, V(x), n0, count);
            // GEMM cannot sum over its batch: one batched launch writes every image's gradient to
            // scratch (as many images as the budget holds), then Reduce sums them into dw.
            var perLaunch = (int)Math.Clamp(ColumnBudget / weights, 1, count);
            for (var s = 0; s < count; s += perLaunch)
            {
                var images = Math.Min(perLaunch, count - s);
                var partial = scratch.Get(IlgpuScratch.Slot.Partials, images * weights);
                for (var g = 0; g < d.Groups; g++)
                    Gemm(new GemmArgs
                    {
                        TransB = 1, M = coutG, N = cinG * kk, K = outPlane, Alpha = 1, Beta = 0,
                        OffsetA = ((long)(n0 + s) * d.Cout + g * coutG) * outPlane, Lda = outPlane, StrideA = (long)d.Cout * outPlane,
                        OffsetB = offset + s * colImage + (long)g * cinG * kk * outPlane, Ldb = outPlane, StrideB = colImage,
                        OffsetC = (long)g * coutG * cinG * kk, Ldc = cinG * kk, StrideC = weights,
                    }, images, V(dy), col, partial);
                Reduce([images, (int)weights], [1, (int)weights], 1f, partial, V(dw), accumulate || !first);
                first = false;
            }
        }
    }
}
