using System.Buffers;
using System.Runtime.InteropServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// NCHW float32 2-d convolution forward and backward (see <see cref="Conv2dShape"/> for layouts).
/// Per image and group, the input is laid out as padded phase planes (<see cref="ConvPlanes"/>) whose
/// contiguous runs are the rows of the im2col matrix, so no im2col matrix is built: forward is a GEMM
/// reading those rows in place (weights packed once per call); grad input of a stride-1 layer with 8 or
/// more input channels per group is the forward convolution of dY with the flipped, transposed kernel,
/// otherwise W^T * dY added straight onto zeroed planes through row pointers (or, when a GEMM is split
/// over threads or a group has under 8 channels, into a column matrix added back as flat runs), then
/// cropped to the input; grad weight is dot products of output-gradient rows with the same runs, over
/// several images per pass on small maps. Groups with one input channel and few outputs (depthwise) skip
/// GEMMs: stride 1 runs directly on the unpadded planes with masked vector loads
/// (<see cref="DepthwiseConv2d"/>), other strides as weighted sums of the plane runs; depthwise layers whose output
/// rows fill at most half a vector run with the channels in the lanes instead (<see cref="ChannelLaneDepthwise"/>).
/// Small maps with more than 16 output channels (one group) run forward, stride-1 grad input and grad weight as
/// row tiles instead (<see cref="RowTileConv2d"/>: output channels in the vector lanes, no junk columns, no
/// multiplies by padding rows) when that computes no more multiply-adds; strided grad input runs as one stride-1
/// row-tile correlation per phase (<see cref="PhaseGradInputTiles"/>).
/// Images are spread over threads; weight gradients are summed per fixed image chunk and reduced in
/// chunk order, so results are deterministic for a fixed degree of parallelism.
/// Gradient outputs are overwritten unless accumulating. An empty bias / gradBias span means no bias.
/// </summary>
public static unsafe class Conv2d
{
    /// <summary>output = conv(input, weight) + bias, or with <paramref name="accumulate"/> output += it.</summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output, int degreeOfParallelism = 0, bool accumulate = false) =>
        Forward(shape, input, weight, bias, output, degreeOfParallelism, accumulate, null);

    /// <summary>output = conv(input, weight) + bias, or with <paramref name="accumulate"/> output += it.</summary>
    /// <param name="planeMoments">When not null (and not accumulating): each output plane's (mean, sum of squared
    /// deviations), two doubles per (image, channel) plane in memory order, taken as each image's output is
    /// written, while it is in cache (<see cref="PlaneMoments"/>: batch normalization's statistics, read back from
    /// memory otherwise).</param>
    internal static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output, int degreeOfParallelism, bool accumulate, double* planeMoments)
    {
        var s = AsOneRow(shape);
        Check(s, input.Length, s.InputLength, nameof(input));
        Check(s, weight.Length, s.WeightLength, nameof(weight));
        Check(s, output.Length, s.OutputLength, nameof(output));
        if (!bias.IsEmpty) Check(s, bias.Length, s.OutChannels, nameof(bias));
        if (s.Batch == 0) return;
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        if (ChannelLaneDepthwise.Applies(s, dop))
        {
            fixed (float* px = input, pw = weight, pb = bias, py = output)
                ChannelLaneDepthwise.Forward(s, px, pw, bias.IsEmpty ? null : pb, py, dop, accumulate, planeMoments);
            return;
        }
        var layout = SideBySide(s);
        fixed (float* px = input, pw = weight, pb = bias, py = output)
        {
            var cp = new ConvPlanes(layout.Wide);
            nint moments = accumulate ? 0 : (nint)planeMoments;
            if (RowTilePlanes(layout, cp, dop) is { } planes)
            {
                using var tiles = new RowTileConv2d(s, planes, pw);
                nint tx = (nint)px, tb = bias.IsEmpty ? 0 : (nint)pb, ty = (nint)py;
                CpuParallel.For(s.Batch, dop, n =>
                {
                    tiles.ForwardImage((float*)tx, (float*)tb, (float*)ty, n, accumulate, dop);
                    OutputMoments(s, (float*)ty, n, 1, (double*)moments);
                });
                return;
            }
            using var packed = new PackedWeights(s, pw, transpose: false);
            nint x = (nint)px, w = (nint)pw, b = bias.IsEmpty ? 0 : (nint)pb, y = (nint)py;
            var pk = packed;
            int inner = layout.Wide.Batch >= dop ? 1 : dop;
            // With threads inside one image's GEMM, the moments follow in a pass of their own.
            bool perImage = inner == 1;
            if (!layout.IsWide)
                CpuParallel.For(s.Batch, dop, n =>
                {
                    ForwardImage(s, cp, (float*)x, (float*)w, pk, (float*)b, (float*)y, n, inner, accumulate);
                    if (perImage) OutputMoments(s, (float*)y, n, 1, (double*)moments);
                });
            else
                CpuParallel.For(layout.Wide.Batch, dop, q =>
                {
                    ForwardWideImage(layout, cp, (float*)x, (float*)w, pk, (float*)b, (float*)y, q, inner, accumulate);
                    int first = q * layout.PerWide;
                    if (perImage) OutputMoments(s, (float*)y, first, Math.Min(layout.PerWide, s.Batch - first), (double*)moments);
                });
            if (!perImage && moments != 0)
                CpuParallel.For(s.Batch, dop, n => OutputMoments(s, (float*)y, n, 1, (double*)moments));
        }
    }

    /// <summary>The moments of images n0 .. n0 + count - 1's output planes (nothing when <paramref name="moments"/> is null).</summary>
    private static void OutputMoments(in Conv2dShape s, float* y, int n0, int count, double* moments)
    {
        if (moments == null) return;
        long first = (long)n0 * s.OutChannels;
        int spatial = s.OutHeight * s.OutWidth;
        PlaneMoments.Write(y + first * spatial, count * s.OutChannels, spatial, moments + 2 * first);
    }

    /// <summary>
    /// gradInput = d(loss)/d(input) given gradOutput = d(loss)/d(output), or with <paramref name="accumulate"/>
    /// gradInput += it (an input that also feeds a residual branch), added as each image's gradient is cropped
    /// out of its planes rather than through a second tensor.
    /// </summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight,
        Span<float> gradInput, int degreeOfParallelism = 0, bool accumulate = false)
    {
        var s = AsOneRow(shape);
        Check(s, gradOutput.Length, s.OutputLength, nameof(gradOutput));
        Check(s, weight.Length, s.WeightLength, nameof(weight));
        Check(s, gradInput.Length, s.InputLength, nameof(gradInput));
        if (s.Batch == 0) return;
        if (AsForwardConvolution(s) is { } transposed)
        {
            // dX = dY correlated with the flipped, transposed kernel: a stride-1 forward convolution, whose GEMM
            // (k = Cout/g * taps deep) runs faster than W^T * dY (k = Cout/g, shallow for narrow layers).
            var flipped = ArrayPool<float>.Shared.Rent(checked((int)s.WeightLength));
            try
            {
                FlipTransposed(s, weight, flipped);
                Forward(transposed, gradOutput, flipped.AsSpan(0, (int)s.WeightLength), default, gradInput, degreeOfParallelism, accumulate);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(flipped);
            }
            return;
        }
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        if (ChannelLaneDepthwise.Applies(s, dop))
        {
            fixed (float* pdy = gradOutput, pw = weight, pdx = gradInput)
                ChannelLaneDepthwise.BackwardData(s, pdy, pw, pdx, dop, accumulate);
            return;
        }
        if (PhaseGradInputTiles.Applies(s, dop))
        {
            fixed (float* pdy = gradOutput, pw = weight, pdx = gradInput)
            {
                using var phases = new PhaseGradInputTiles(s, pw);
                nint dy = (nint)pdy, dx = (nint)pdx;
                CpuParallel.For(s.Batch, dop, n => phases.GradInputImage((float*)dy, (float*)dx, n, accumulate, dop));
            }
            return;
        }
        var layout = SideBySide(s);
        fixed (float* pdy = gradOutput, pw = weight, pdx = gradInput)
        {
            int inner = layout.Wide.Batch >= dop ? 1 : dop;
            var cp = new ConvPlanes(layout.Wide);
            bool fused = AddsOntoPlanes(layout.Wide, cp, inner);
            using var packed = new PackedWeights(s, pw, transpose: true, tapMajor: fused);
            nint dy = (nint)pdy, w = (nint)pw, dx = (nint)pdx;
            var pk = packed;
            if (!layout.IsWide)
                CpuParallel.For(s.Batch, dop, n => BackwardDataImage(s, cp, (float*)dy, (float*)w, pk, fused, (float*)dx, n, inner, accumulate));
            else
                CpuParallel.For(layout.Wide.Batch, dop, q => BackwardDataWideImage(layout, cp, (float*)dy, (float*)w, pk, fused, (float*)dx, q, inner, accumulate));
        }
    }

    /// <summary>
    /// gradWeight = d(loss)/d(weight) and, when gradBias is not empty, gradBias = d(loss)/d(bias),
    /// summed over the batch.
    /// </summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        Span<float> gradWeight, Span<float> gradBias, int degreeOfParallelism = 0)
    {
        var s = AsOneRow(shape);
        Check(s, input.Length, s.InputLength, nameof(input));
        Check(s, gradOutput.Length, s.OutputLength, nameof(gradOutput));
        Check(s, gradWeight.Length, s.WeightLength, nameof(gradWeight));
        if (!gradBias.IsEmpty) Check(s, gradBias.Length, s.OutChannels, nameof(gradBias));
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        if (s.Batch == 0)
        {
            gradWeight.Clear();
            gradBias.Clear();
            return;
        }
        fixed (float* px = input, pdy = gradOutput, pdw = gradWeight, pdb = gradBias)
        {
            nint x = (nint)px, dy = (nint)pdy, dw = (nint)pdw, db = gradBias.IsEmpty ? 0 : (nint)pdb;
            int ohw = s.OutHeight * s.OutWidth;
            if (db != 0)
                CpuParallel.For(s.OutChannels, dop, co =>
                {
                    float sum = 0f;
                    for (int n = 0; n < s.Batch; n++)
                        sum += VectorOps.Sum((float*)dy + ((long)n * s.OutChannels + co) * ohw, ohw);
                    ((float*)db)[co] = sum;
                });

            if (ChannelLaneDepthwise.Applies(s, dop))
            {
                ChannelLaneDepthwise.BackwardWeights(s, (float*)x, (float*)dy, pdw, dop);
                return;
            }
            var layout = SideBySide(s);
            var cp = new ConvPlanes(layout.Wide);
            if (RowTilePlanes(layout, cp, dop) is { } planes)
            {
                using var tiles = new RowTileConv2d(s, planes, null);
                RowTileWeightGradient(s, tiles, (float*)x, (float*)dy, pdw, dop);
                return;
            }
            // Fixed chunks of (wide) images, each summing its images into its own buffer (chunk 0 into gradWeight).
            int inner = Math.Min(layout.Wide.Batch, dop) == 1 ? dop : 1;
            int perCall = ImagesPerWeightGradient(layout.Wide, cp);
            SumOverImageChunks(layout.Wide.Batch, dop, checked((int)s.WeightLength), pdw, (n0, n1, dst) =>
            {
                for (int n = n0; n < n1; n += perCall)
                {
                    int count = Math.Min(perCall, n1 - n);
                    if (!layout.IsWide) BackwardWeightsImages(s, cp, (float*)x, (float*)dy, dst, n, count, accumulate: n > n0, inner);
                    else BackwardWeightsWideImages(layout, cp, (float*)x, (float*)dy, dst, n, count, accumulate: n > n0, inner);
                }
            });
        }
    }

    /// <summary>
    /// dW by row tiles: the images summed in the row tiles' layout (<see cref="SumOverImageChunks"/>), then turned back
    /// into the ONNX layout.
    /// </summary>
    /// <param name="beforeImages">Called with (first image, count) on the thread that sums those images, just before it
    /// does (<see cref="BackwardTogether"/>: their grad input, while their output gradients come into its caches).</param>
    private static void RowTileWeightGradient(in Conv2dShape s, RowTileConv2d tiles, float* x, float* dy, float* dw, int dop,
        Action<int, int>? beforeImages = null)
    {
        int length = tiles.GradientLength, perCall = tiles.ImagesPerWeightGradient;
        var sum = ArrayPool<float>.Shared.Rent(length);
        try
        {
            fixed (float* ps = sum)
            {
                nint px = (nint)x, pdy = (nint)dy;
                SumOverImageChunks(s.Batch, dop, length, ps, (n0, n1, dst) =>
                {
                    for (int n = n0; n < n1; n += perCall)
                    {
                        int count = Math.Min(perCall, n1 - n);
                        beforeImages?.Invoke(n, count);
                        tiles.WeightGradientImages((float*)px, (float*)pdy, dst, n, count, accumulate: n > n0,
                            next: Math.Clamp(n1 - n - perCall, 0, perCall));
                    }
                });
                tiles.ToWeights(ps, dw);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sum);
        }
    }

    /// <summary>
    /// gradInput (+)= d(loss)/d(input) and gradWeight = d(loss)/d(weight) in one pass over the images, where the weight
    /// gradient runs as row tiles and the grad input image by image as row tiles too (stride 1: the forward convolution of
    /// <see cref="AsForwardConvolution"/>; strided: <see cref="PhaseGradInputTiles"/>): each thread takes the grad input
    /// of a few images, then their weight gradient, while their output gradients are still in its caches (apart, the
    /// weight gradient reads them back from memory after the whole batch's grad input). The same results as
    /// <see cref="BackwardData"/> then <see cref="BackwardWeights"/>, bit for bit. Returns false, computing nothing,
    /// where the two do not run that way.
    /// </summary>
    internal static bool BackwardTogether(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        ReadOnlySpan<float> weight, Span<float> gradInput, Span<float> gradWeight, int degreeOfParallelism, bool accumulateInput)
    {
        var s = AsOneRow(shape);
        Check(s, input.Length, s.InputLength, nameof(input));
        Check(s, gradOutput.Length, s.OutputLength, nameof(gradOutput));
        Check(s, weight.Length, s.WeightLength, nameof(weight));
        Check(s, gradInput.Length, s.InputLength, nameof(gradInput));
        Check(s, gradWeight.Length, s.WeightLength, nameof(gradWeight));
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        var layout = SideBySide(s);
        if (s.Batch == 0 || RowTilePlanes(layout, new ConvPlanes(layout.Wide), dop) is not { } planes) return false;
        RowTileConv2d? inputTiles = null;
        PhaseGradInputTiles? phases = null;
        if (AsForwardConvolution(s) is { } transposed)
        {
            var transposedLayout = SideBySide(transposed);
            if (RowTilePlanes(transposedLayout, new ConvPlanes(transposedLayout.Wide), dop) is not { } transposedPlanes) return false;
            var flipped = ArrayPool<float>.Shared.Rent(checked((int)s.WeightLength));
            try
            {
                FlipTransposed(s, weight, flipped);
                fixed (float* pf = flipped) inputTiles = new RowTileConv2d(transposed, transposedPlanes, pf);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(flipped);
            }
        }
        else if (PhaseGradInputTiles.Applies(s, dop))
        {
            fixed (float* pw = weight) phases = new PhaseGradInputTiles(s, pw);
        }
        else return false;

        using var gradInputTiles = inputTiles;
        using var gradInputPhases = phases;
        using var weightTiles = new RowTileConv2d(s, planes, null);
        fixed (float* px = input, pdy = gradOutput, pdx = gradInput, pdw = gradWeight)
        {
            nint dy = (nint)pdy, dx = (nint)pdx;
            // One thread walks these images in order (threads: 1): it prefetches the next one's input.
            RowTileWeightGradient(s, weightTiles, px, pdy, pdw, dop, (n, count) =>
            {
                for (int i = n; i < n + count; i++)
                    if (inputTiles is not null) inputTiles.ForwardImage((float*)dy, null, (float*)dx, i, accumulateInput, threads: 1);
                    else phases!.GradInputImage((float*)dy, (float*)dx, i, accumulateInput, threads: 1);
            });
        }
        return true;
    }

    /// <summary>Sums chunk [n0, n1) of the images into dst (which the body overwrites, then adds onto).</summary>
    private delegate void ImageChunkSum(int n0, int n1, float* dst);

    /// <summary>
    /// A sum over images in fixed chunks, one per thread: chunk 0 into <paramref name="result"/>, the others into their
    /// own buffers, added onto it in chunk order, so the result is deterministic for a fixed degree of parallelism.
    /// </summary>
    private static void SumOverImageChunks(int images, int dop, int length, float* result, ImageChunkSum body)
    {
        int chunks = Math.Min(images, dop);
        float[]? partials = chunks > 1 ? ArrayPool<float>.Shared.Rent((chunks - 1) * length) : null;
        try
        {
            fixed (float* pp = partials)
            {
                nint part = (nint)pp, first = (nint)result;
                CpuParallel.For(chunks, dop, c =>
                    body((int)((long)images * c / chunks), (int)((long)images * (c + 1) / chunks),
                        c == 0 ? (float*)first : (float*)part + (long)(c - 1) * length));
                for (int c = 1; c < chunks; c++) VectorOps.Add(result, pp + (long)(c - 1) * length, length);
            }
        }
        finally
        {
            if (partials != null) ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>
    /// The forward convolution whose output is this one's grad input, for stride-1, non-1x1 convolutions
    /// with at least 8 input channels per group (the rows of its GEMM; fewer ran slower) and padding at most
    /// the dilated kernel's reach (so the complementary padding is not negative); null otherwise. It maps
    /// dY (Cout channels, OH x OW) to dX (Cin channels, H x W).
    /// </summary>
    private static Conv2dShape? AsForwardConvolution(in Conv2dShape s)
    {
        if (s.StrideH != 1 || s.StrideW != 1 || s.GroupInChannels < 8 || s.KernelHeight == 1 && s.KernelWidth == 1) return null;
        int reachH = (s.KernelHeight - 1) * s.DilationH, reachW = (s.KernelWidth - 1) * s.DilationW;
        if (s.PadTop > reachH || s.PadBottom > reachH || s.PadLeft > reachW || s.PadRight > reachW) return null;
        return new Conv2dShape(s.Batch, s.OutChannels, s.OutHeight, s.OutWidth, s.InChannels, s.KernelHeight, s.KernelWidth)
        {
            DilationH = s.DilationH, DilationW = s.DilationW, Groups = s.Groups,
            PadTop = reachH - s.PadTop, PadBottom = reachH - s.PadBottom, PadLeft = reachW - s.PadLeft, PadRight = reachW - s.PadRight,
        };
    }

    /// <summary>W'[g Cin/g + c, co, i, j] = W[g Cout/g + co, c, kh-1-i, kw-1-j]: the weights of <see cref="AsForwardConvolution"/>.</summary>
    private static void FlipTransposed(in Conv2dShape s, ReadOnlySpan<float> w, Span<float> flipped)
    {
        int cin = s.GroupInChannels, cout = s.GroupOutChannels, taps = s.KernelHeight * s.KernelWidth;
        for (int g = 0; g < s.Groups; g++)
            for (int co = 0; co < cout; co++)
                for (int c = 0; c < cin; c++)
                {
                    int from = ((g * cout + co) * cin + c) * taps, to = ((g * cin + c) * cout + co) * taps;
                    for (int t = 0; t < taps; t++) flipped[to + t] = w[from + taps - 1 - t];
                }
    }

    /// <summary>
    /// Forces or forbids row tiles (<see cref="RowTileConv2d"/>: forward, stride-1 grad input through it, and grad
    /// weight; <see cref="PhaseGradInputTiles"/>: strided grad input) where they can run, for benchmarks that compare them with the planes' GEMMs; Auto (the default) picks
    /// them when they compute no more multiply-adds.
    /// </summary>
    public static RowTilePolicy RowTiles { get; set; } = RowTilePolicy.Auto;

    /// <summary>Whether <see cref="Forward"/> runs <paramref name="s"/> as row tiles (<see cref="RowTileConv2d"/>).</summary>
    internal static bool UsesRowTiles(in Conv2dShape s, int degreeOfParallelism = 0)
    {
        var layout = SideBySide(s);
        return RowTilePlanes(layout, new ConvPlanes(layout.Wide), CpuParallel.Resolve(degreeOfParallelism)) is not null;
    }

    /// <summary>Whether <see cref="BackwardData"/> runs <paramref name="s"/> phase by phase (<see cref="PhaseGradInputTiles"/>).</summary>
    internal static bool UsesPhaseGradInput(in Conv2dShape s, int degreeOfParallelism = 0) =>
        AsForwardConvolution(s) is null && PhaseGradInputTiles.Applies(s, CpuParallel.Resolve(degreeOfParallelism));

    /// <summary>
    /// The planes of the given shape when it runs as row tiles (<see cref="RowTileConv2d.Applies"/>), else null;
    /// <paramref name="widePlanes"/> are the planes' GEMM's (of the side-by-side shape), whose columns it compares.
    /// </summary>
    private static ConvPlanes? RowTilePlanes(in SideBySideImages.Layout layout, ConvPlanes widePlanes, int dop)
    {
        var planes = layout.IsWide ? new ConvPlanes(layout.Shape) : widePlanes;
        // Columns the planes' GEMM computes per image (a wide image's shared among its images), whole panels.
        double gemmColumns = (double)Sgemm.UnraggedColumns(widePlanes.Columns) * layout.Wide.Batch / layout.Shape.Batch;
        return RowTileConv2d.Applies(layout.Shape, planes, gemmColumns, dop) ? planes : null;
    }

    private static void Check(in Conv2dShape s, int actual, long expected, string name)
    {
        s.Validate();
        if (actual != expected)
            throw new ArgumentException($"Conv2d: {name} has {actual} elements, the shape needs {expected}: {s}", name);
    }

    /// <summary>
    /// A 1x1, stride-1, unpadded convolution reads no neighbours, so an H x W map is the same to it as one row of
    /// H * W positions: as one row, the images of a small map go side by side as contiguous runs
    /// (<see cref="SideBySideImages.PerWideImage"/>), where a 7x7 image alone is a GEMM 49 columns wide.
    /// </summary>
    private static Conv2dShape AsOneRow(in Conv2dShape s) => SideBySideImages.IsPointwise(s) && s.InHeight > 1
        ? s with { InHeight = 1, InWidth = s.InHeight * s.InWidth }
        : s;

    /// <summary>How the batch runs side by side (depthwise convolutions, which have their own kernels, never do).</summary>
    private static SideBySideImages.Layout SideBySide(in Conv2dShape s) => new(s, DepthwiseConv2d.Applies(s) || IsDepthwise(s));

    /// <summary>One input channel and few outputs per group: direct weighted sums beat an 8-row GEMM tile.</summary>
    private static bool IsDepthwise(in Conv2dShape s) => s.GroupInChannels == 1 && s.GroupOutChannels < 8;

    private static float* InputGroup(in Conv2dShape s, float* x, int n, int g) =>
        x + ((long)n * s.InChannels + (long)g * s.GroupInChannels) * s.InHeight * s.InWidth;

    private static float* OutputGroup(in Conv2dShape s, float* y, int n, int g) =>
        y + ((long)n * s.OutChannels + (long)g * s.GroupOutChannels) * s.OutHeight * s.OutWidth;

    private static float* Scratch(ScratchSlot slot, long length) => ThreadScratch.Get(slot, length);

    /// <summary>Floats past the planes a GEMM may read when its columns are rounded up to whole panels.</summary>
    private const int PanelSlack = 64;

    /// <summary>Room for PatchSize + GroupOutChannels row pointers.</summary>
    private static float** RowTable(in Conv2dShape s) =>
        (float**)Scratch(ScratchSlot.ConvRows, 2L * (s.PatchSize + s.GroupOutChannels));

    /// <summary>
    /// Grad input can add W^T * dY straight onto the planes (no column matrix) when one thread runs each
    /// image's GEMM and a micro-tile's rows (tap-major, 8 at most) always lie in distinct channels.
    /// </summary>
    private static bool AddsOntoPlanes(in Conv2dShape s, ConvPlanes cp, int threads) =>
        threads == 1 && !cp.Direct && !IsDepthwise(s) && s.GroupInChannels >= 8;

    /// <summary>
    /// Each group's weights packed once per call as the GEMM's A operand: W_g (forward) or W_g^T (grad
    /// input). Nothing is packed for depthwise groups, which run without GEMMs.
    /// </summary>
    private readonly struct PackedWeights : IDisposable
    {
        private readonly float* _data;
        private readonly long _groupLength;

        /// <param name="tapMajor">With transpose: rows of W_g^T in tap-major order, row (tap * Cin/g + c).</param>
        public PackedWeights(in Conv2dShape s, float* w, bool transpose, bool tapMajor = false)
        {
            if (IsDepthwise(s)) return;
            int m = transpose ? s.PatchSize : s.GroupOutChannels, k = transpose ? s.GroupOutChannels : s.PatchSize;
            _groupLength = Sgemm.PackedALength(m, k);
            _data = (float*)NativeMemory.AlignedAlloc((nuint)(_groupLength * s.Groups * sizeof(float)), 64);
            float* permuted = tapMajor ? (float*)NativeMemory.Alloc((nuint)((long)m * k * sizeof(float))) : null;
            int taps = s.KernelHeight * s.KernelWidth, cg = s.GroupInChannels;
            for (int g = 0; g < s.Groups; g++)
            {
                float* wg = w + (long)g * s.GroupOutChannels * s.PatchSize;
                if (!tapMajor)
                {
                    Sgemm.PackA(transpose, m, k, wg, s.PatchSize, _data + g * _groupLength);
                    continue;
                }
                for (int co = 0; co < k; co++)
                    for (int c = 0; c < cg; c++)
                        for (int t = 0; t < taps; t++)
                            permuted[(long)(t * cg + c) * k + co] = wg[(long)co * s.PatchSize + c * taps + t];
                Sgemm.PackA(false, m, k, permuted, k, _data + g * _groupLength);
            }
            if (permuted != null) NativeMemory.Free(permuted);
        }

        public float* Group(int g) => _data + g * _groupLength;

        public void Dispose()
        {
            if (_data != null) NativeMemory.AlignedFree(_data);
        }
    }

    /// <summary>Points rows at the im2col rows of group input xg, gathering it into planes unless Direct.</summary>
    private static void PatchRows(in Conv2dShape s, ConvPlanes cp, float* xg, float** rows)
    {
        if (cp.Direct)
        {
            cp.FillRows(s, xg, s.GroupInChannels, rows);
            return;
        }
        // Slack past the last plane: a forward GEMM reads its rows up to a whole column panel (UnraggedColumns).
        float* planes = Scratch(ScratchSlot.ConvPlanes, (long)s.GroupInChannels * cp.ChannelLength + PanelSlack);
        cp.Gather(s, xg, s.GroupInChannels, planes);
        cp.FillRows(s, planes, s.GroupInChannels, rows);
    }

    /// <summary>The output gradient of a group in the extended layout (itself when that is the output layout).</summary>
    private static float* ExtendedGradient(in Conv2dShape s, ConvPlanes cp, float* dyg)
    {
        if (cp.OutputIsExtended) return dyg;
        float* ext = Scratch(ScratchSlot.ConvExtended, (long)s.GroupOutChannels * cp.Columns);
        cp.ExtendOutput(s, dyg, s.GroupOutChannels, ext);
        return ext;
    }

    private static void ForwardImage(in Conv2dShape s, ConvPlanes cp, float* x, float* w, in PackedWeights packed, float* bias, float* y, int n, int threads,
        bool accumulate)
    {
        if (DepthwiseConv2d.Applies(s))
        {
            if (accumulate) throw new NotSupportedException("an accumulating depthwise forward");
            DepthwiseConv2d.Forward(s, x, w, bias, y, n);
            return;
        }
        int m = s.GroupOutChannels, k = s.PatchSize, cols = cp.Columns;
        // Into scratch (not the output itself), the GEMM may compute junk columns up to a whole panel: its rows
        // are runs of the planes, which have slack after them.
        int width = cp.OutputIsExtended || IsDepthwise(s) ? cols : Sgemm.UnraggedColumns(cols);
        float** rows = RowTable(s);
        for (int g = 0; g < s.Groups; g++)
        {
            float* yg = OutputGroup(s, y, n, g), wg = w + (long)g * m * k;
            PatchRows(s, cp, InputGroup(s, x, n, g), rows);
            float* ext = cp.OutputIsExtended ? yg : Scratch(ScratchSlot.ConvExtended, (long)m * width);
            float beta = accumulate && cp.OutputIsExtended ? 1f : 0f;
            if (IsDepthwise(s))
                for (int co = 0; co < m; co++) VectorOps.WeightedRowSum(ext + (long)co * cols, rows, wg + (long)co * k, k, cols);
            else
                Sgemm.MultiplyRows(false, m, width, k, 1f, wg, k, packed.Group(g), rows, beta, ext, width, threads);
            cp.CropOutput(s, ext, m, bias == null ? null : bias + g * m, yg, width, accumulate);
        }
    }

    /// <summary>
    /// Forward of wide image q (<see cref="SideBySideImages"/>): images q * PerWide ... side by side in scratch,
    /// convolved as one, their outputs cropped back out (bias included).
    /// </summary>
    private static void ForwardWideImage(in SideBySideImages.Layout layout, ConvPlanes cp, float* x, float* w, in PackedWeights packed,
        float* bias, float* y, int q, int threads, bool accumulate)
    {
        float* wx = Scratch(ScratchSlot.ConvWideInput, layout.WideInputLength);
        float* wy = Scratch(ScratchSlot.ConvWideOutput, layout.WideOutputLength);
        layout.PackInputs(x, q, 1, wx);
        ForwardImage(layout.Wide, cp, wx, w, packed, bias, wy, 0, threads, accumulate: false);
        layout.UnpackOutputs(wy, q, y, accumulate);
    }

    /// <summary>
    /// Grad input of wide image q (<see cref="SideBySideImages"/>): the output gradients of images q * PerWide ...
    /// side by side in scratch (zero between them), their grad inputs cropped back out of the wide one.
    /// </summary>
    private static void BackwardDataWideImage(in SideBySideImages.Layout layout, ConvPlanes cp, float* dy, float* w,
        in PackedWeights packed, bool addsOntoPlanes, float* dx, int q, int threads, bool accumulate)
    {
        float* wdy = Scratch(ScratchSlot.ConvWideOutput, layout.WideOutputLength);
        float* wdx = Scratch(ScratchSlot.ConvWideInput, layout.WideInputLength);
        layout.PackOutputs(dy, q, 1, wdy);
        BackwardDataImage(layout.Wide, cp, wdy, w, packed, addsOntoPlanes, wdx, 0, threads, accumulate: false);
        layout.UnpackInputs(wdx, q, dx, accumulate);
    }

    private static void BackwardDataImage(in Conv2dShape s, ConvPlanes cp, float* dy, float* w, in PackedWeights packed,
        bool addsOntoPlanes, float* dx, int n, int threads, bool accumulate)
    {
        if (DepthwiseConv2d.Applies(s))
        {
            DepthwiseConv2d.BackwardData(s, dy, w, dx, n, accumulate);
            return;
        }
        int m = s.GroupOutChannels, k = s.PatchSize, cols = cp.Columns;
        float** rows = RowTable(s);
        for (int g = 0; g < s.Groups; g++)
        {
            float* dxg = InputGroup(s, dx, n, g), wg = w + (long)g * m * k;
            float* e = ExtendedGradient(s, cp, OutputGroup(s, dy, n, g));
            bool depthwise = IsDepthwise(s);
            float* col = null;
            float** dyRows = rows + k;
            if (addsOntoPlanes)
            {
                // dPlanes += W_g^T * dY_g, each tap-major row of the product added straight onto its run.
                float* planes = Scratch(ScratchSlot.ConvPlanes, (long)s.GroupInChannels * cp.ChannelLength);
                VectorOps.Clear(planes, (long)s.GroupInChannels * cp.ChannelLength);
                cp.FillRows(s, planes, s.GroupInChannels, rows, PatchRowOrder.TapMajor);
                for (int co = 0; co < m; co++) dyRows[co] = e + (long)co * cols;
                Sgemm.MultiplyRows(true, k, cols, m, 1f, wg, k, packed.Group(g), dyRows, 1f, null, 0, 1, cRows: rows);
                cp.ToInput(s, planes, s.GroupInChannels, dxg, accumulate);
                continue;
            }
            if (!depthwise)
            {
                // d(col) = W_g^T * dY_g with dY_g read in place; 1x1 convolutions write dX directly.
                for (int co = 0; co < m; co++) dyRows[co] = e + (long)co * cols;
                col = cp.Direct ? dxg : Scratch(ScratchSlot.ConvColumns, (long)k * cols);
                float beta = cp.Direct && accumulate ? 1f : 0f;
                Sgemm.MultiplyRows(true, k, cols, m, 1f, wg, k, packed.Group(g), dyRows, beta, col, cols, threads);
                if (cp.Direct) continue;
            }
            // col2im onto zeroed planes: each im2col row's gradient added onto its run (junk columns are zero).
            float* dplanes = Scratch(ScratchSlot.ConvPlanes, (long)s.GroupInChannels * cp.ChannelLength);
            VectorOps.Clear(dplanes, (long)s.GroupInChannels * cp.ChannelLength);
            cp.FillRows(s, dplanes, s.GroupInChannels, rows);
            if (!depthwise)
                for (int p = 0; p < k; p++) VectorOps.Add(rows[p], col + (long)p * cols, cols);
            else
                for (int co = 0; co < m; co++)
                    for (int p = 0; p < k; p++) VectorOps.Axpy(rows[p], e + (long)co * cols, wg[co * k + p], cols);
            cp.ToInput(s, dplanes, s.GroupInChannels, dxg, accumulate);
        }
    }

    /// <summary>
    /// Images whose weight gradients one dot-product pass sums: enough that k (their extended columns
    /// together) is about 512, so a small feature map (7x7: 63 columns) does not spend its time on reading
    /// dW and reducing lanes once per image; no more than keeps their inputs and output gradients (read
    /// once per 4-column tile) within half a megabyte of L2. Large maps take one image at a time, and so do
    /// depthwise groups (one output row per group: interleaving images' planes measured a third slower).
    /// </summary>
    private static int ImagesPerWeightGradient(in Conv2dShape s, ConvPlanes cp)
    {
        const long CacheFloats = 128 * 1024;
        if (IsDepthwise(s)) return 1;
        int forDepth = (512 + cp.Columns - 1) / cp.Columns;
        long perImage = (long)s.GroupInChannels * cp.ChannelLength + (long)s.GroupOutChannels * cp.Columns;
        int forCache = (int)Math.Min(16, CacheFloats / perImage);
        return Math.Clamp(Math.Min(forDepth, forCache), 1, 16);
    }

    /// <summary>
    /// dW (+)= the weight gradient of wide images q0 .. q0 + count - 1 (<see cref="SideBySideImages"/>): inputs and
    /// output gradients packed side by side in scratch, the gradient's columns between images zero.
    /// </summary>
    private static void BackwardWeightsWideImages(in SideBySideImages.Layout layout, ConvPlanes cp, float* x, float* dy, float* dw,
        int q0, int count, bool accumulate, int threads)
    {
        float* wx = Scratch(ScratchSlot.ConvWideInput, count * layout.WideInputLength);
        float* wdy = Scratch(ScratchSlot.ConvWideOutput, count * layout.WideOutputLength);
        layout.PackInputs(x, q0, count, wx);
        layout.PackOutputs(dy, q0, count, wdy);
        BackwardWeightsImages(layout.Wide, cp, wx, wdy, dw, 0, count, accumulate, threads);
    }

    /// <summary>dW (+)= the weight gradient of images n0 .. n0 + count - 1, summed in image order.</summary>
    private static void BackwardWeightsImages(in Conv2dShape s, ConvPlanes cp, float* x, float* dy, float* dw, int n0, int count, bool accumulate, int threads)
    {
        if (DepthwiseConv2d.Applies(s))
        {
            for (int i = 0; i < count; i++) DepthwiseConv2d.BackwardWeights(s, x, dy, dw, n0 + i, accumulate || i > 0);
            return;
        }
        int m = s.GroupOutChannels, k = s.PatchSize, cols = cp.Columns;
        // Per image i: its k im2col rows at rows[i * k ..], its gradient rows from aBases[i].
        float** rows = (float**)Scratch(ScratchSlot.ConvRows, 2L * count * (k + 1));
        float** aBases = rows + (long)count * k;
        long planeLength = (long)s.GroupInChannels * cp.ChannelLength;
        float* planes = cp.Direct ? null : Scratch(ScratchSlot.ConvPlanes, planeLength * count);
        float* ext = cp.OutputIsExtended ? null : Scratch(ScratchSlot.ConvExtended, (long)m * cols * count);
        for (int g = 0; g < s.Groups; g++)
        {
            for (int i = 0; i < count; i++)
            {
                float* xg = InputGroup(s, x, n0 + i, g), dyg = OutputGroup(s, dy, n0 + i, g);
                float* source = xg;
                if (!cp.Direct)
                {
                    source = planes + i * planeLength;
                    cp.Gather(s, xg, s.GroupInChannels, source);
                }
                cp.FillRows(s, source, s.GroupInChannels, rows + (long)i * k);
                if (cp.OutputIsExtended) aBases[i] = dyg;
                else
                {
                    aBases[i] = ext + (long)i * m * cols;
                    cp.ExtendOutput(s, dyg, m, aBases[i]);
                }
            }
            // dW_g (+)= sum over the images of dY_g * col^T: dot products of gradient rows with the im2col runs.
            Sgemm.MultiplyTransposedRowSegments(m, k, cols, count, 1f, aBases, cols, rows, accumulate ? 1f : 0f,
                dw + (long)g * m * k, k, threads);
        }
    }
}