using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Forward convolution of small feature maps (one group, AVX-512) as tiles of one output row: 7 or 8 consecutive
/// output positions times up to 48 output channels in the vector lanes (<see cref="ChannelLaneKernel"/>), reading
/// the padded planes of <see cref="ConvPlanes"/> in place. The planes' GEMM computes every output row PW wide (junk
/// columns under the padding: 2 of 9 on a 7x7 map) and multiplies the zero rows above and below the image; here a
/// tile holds only real positions (when the width is a multiple of 7 or 8), and each output row sums only the
/// kernel rows that fall inside the input: the weights are packed kernel-row-major (row i, channel c, column j),
/// so those rows are one contiguous range of the GEMM depth. A 3x3 layer on a 7x7 map computes 19/21 of the
/// plain MACs instead of 9/7 x 8/7 of them; tiles at the ends of a row also skip the taps on the padding beside it
/// (3x3 at stride 1: 19/21 of the rest on a 7-wide row). The tiles land position-major in scratch and are transposed
/// to NCHW.
/// Every output sums its depth in one fixed order, so results do not depend on threads.
/// The weight gradient runs the same layout the other way round: tiles of 6 or 8 im2col rows (broadcast) times up
/// to 64 output channels, summing the real output positions of several images, whose output gradients are first
/// turned position-major.
/// </summary>
internal sealed unsafe class RowTileConv2d : IDisposable
{
    private readonly Conv2dShape _shape;
    private readonly ConvPlanes _planes;
    /// <summary>Output channels rounded up to whole 16-lane vectors: the row length of the packed weights and of a tile.</summary>
    private readonly int _lanes;
    private readonly int _positions;
    private readonly int _paddedWidth;
    /// <summary>Packed weights: _lanes values (output channels, zero past OutChannels) per depth index p = (i * Cin + c) * kw + j.</summary>
    private readonly float* _weights;
    /// <summary>Per output row, the depth range [P0, P1) of the kernel rows inside the input.</summary>
    private readonly (int P0, int P1)[] _rowDepth;
    /// <summary>Output-channel tiles: first lane and 16-lane vectors (1 to 3).</summary>
    private readonly (int Lane, int Vectors)[] _channelTiles;
    /// <summary>The weight gradient's output-channel tiles (1 to 4 vectors: its tiles take 6 or 8 im2col rows).</summary>
    private readonly (int Lane, int Vectors)[] _gradientTiles;
    /// <summary>Per kernel row i, the output rows [Lo, Hi) whose input row lies inside the input.</summary>
    private readonly (int Lo, int Hi)[] _kernelRowOutputs;
    private readonly bool _skipsRowEnds;
    /// <summary>
    /// Per depth index, the offset from an image's first input value of the value that output (0, 0) reads there, when
    /// the forward tiles read the input in place (<see cref="ReadsInPlace"/>); null when they read padded planes.
    /// </summary>
    private readonly long[]? _inPlaceOffsets;

    /// <summary>
    /// Whether this layout runs <paramref name="s"/> (forward, and grad weight by the same rule): AVX-512, one group,
    /// not a plain 1x1 GEMM, enough depth to hide the transposes, and a batch that spreads over the threads (one
    /// image per task); then, unless <see cref="Conv2d.RowTiles"/> forces it, when it computes no more multiply-adds
    /// than the planes' GEMM would (<paramref name="gemmColumnsPerImage"/>: the columns that GEMM computes per image).
    /// Measured (`bench -- gemm --row-tiles compare`, batch 128, 2 threads): 13-15% faster on 3x3 layers of 32 to 128
    /// channels on 14x14 and 7x7 maps, 7-10% on stride-2 ones, level on 28x28; 16->16 on 28x28 (one lane vector, each
    /// broadcast feeding one multiply-add, see <see cref="ChannelLaneKernel"/>) forward 2.31
    /// against 2.55-2.63 ms, grad weight 2.29 against 2.71; on the 14x14 and 7x7 maps of a pruned resnet20 fwd+bwd 1.74-1.87
    /// against 2.08 and 0.50-0.57 against 0.60-0.63; at stride 2 slower, so not there. Grad weight: 16-26% faster on the
    /// 14x14 and 7x7 layers, 6-15% on stride-2 ones.
    /// </summary>
    public static bool Applies(in Conv2dShape s, ConvPlanes cp, double gemmColumnsPerImage, int threads)
    {
        if (!Vector512.IsHardwareAccelerated || s.Groups != 1 || cp.Direct || s.PatchSize < MinDepth || s.Batch < threads) return false;
        if (Conv2d.RowTiles != RowTilePolicy.Auto) return Conv2d.RowTiles == RowTilePolicy.Always;
        // One lane vector at stride 2 measured slower than the GEMM (16->16 14->7: forward 0.33-0.37 against 0.28-0.31 ms).
        if (s.OutChannels <= 16 && (s.StrideH > 1 || s.StrideW > 1)) return false;
        int padded = PaddedWidth(s.OutWidth);
        long lanes = (s.OutChannels + 15) / 16 * 16;
        double rowTiles = (double)RowDepth(s).Sum(r => r.P1 - r.P0) * padded * lanes;
        double gemm = (double)s.PatchSize * gemmColumnsPerImage * ((s.OutChannels + 7) / 8 * 8);
        return rowTiles <= gemm;
    }

    /// <summary>Below this depth (e.g. a stem with one input channel) the per-tile overhead dominates.</summary>
    private const int MinDepth = 32;

    /// <param name="w">The weights, packed for <see cref="ForwardImage"/>; null when only weight gradients are computed.</param>
    public RowTileConv2d(in Conv2dShape s, ConvPlanes cp, float* w)
    {
        _shape = s;
        _planes = cp;
        _lanes = (s.OutChannels + 15) / 16 * 16;
        _positions = Positions(s.OutWidth);
        _paddedWidth = PaddedWidth(s.OutWidth);
        int k = s.PatchSize, cin = s.InChannels, kh = s.KernelHeight, kw = s.KernelWidth;
        if (w != null)
        {
            _weights = (float*)NativeMemory.AlignedAlloc((nuint)((long)k * _lanes * sizeof(float)), 64);
            new Span<float>(_weights, k * _lanes).Clear();
            for (int co = 0; co < s.OutChannels; co++)
                for (int c = 0; c < cin; c++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                            _weights[(long)Depth(i, c, j) * _lanes + co] = w[(long)co * k + (c * kh + i) * kw + j];
        }
        _rowDepth = RowDepth(s);
        _skipsRowEnds = SkipsRowEnds(s);
        if (ReadsInPlace(s))
        {
            _inPlaceOffsets = new long[k];
            for (int c = 0; c < cin; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        _inPlaceOffsets[Depth(i, c, j)] = ((long)c * s.InHeight + i * s.DilationH - s.PadTop) * s.InWidth + j - s.PadLeft;
        }
        _channelTiles = ChannelTiles(_lanes / 16, 3);
        _gradientTiles = ChannelTiles(_lanes / 16, 4);
        _kernelRowOutputs = new (int, int)[kh];
        for (int i = 0; i < kh; i++)
            _kernelRowOutputs[i] = Conv2dShape.ValidRange(s.OutHeight, s.StrideH, i * s.DilationH - s.PadTop, s.InHeight);
    }

    /// <summary>The depth index of kernel row i, input channel c, kernel column j (kernel-row-major).</summary>
    private int Depth(int i, int c, int j) => (i * _shape.InChannels + c) * _shape.KernelWidth + j;

    /// <summary><paramref name="vectors"/> lane vectors split as evenly as possible into tiles of at most <paramref name="most"/>.</summary>
    internal static (int Lane, int Vectors)[] ChannelTiles(int vectors, int most)
    {
        int tiles = (vectors + most - 1) / most;
        var result = new (int, int)[tiles];
        for (int t = 0, lane = 0; t < tiles; t++)
        {
            int count = vectors / tiles + (t < vectors % tiles ? 1 : 0);
            result[t] = (lane, count);
            lane += count * 16;
        }
        return result;
    }

    /// <summary>Output of image n: y = conv(x) + bias (bias may be null), or y += it with <paramref name="accumulate"/>.</summary>
    public void ForwardImage(float* x, float* bias, float* y, int n, bool accumulate, int threads)
    {
        var s = _shape;
        var cp = _planes;
        int cin = s.InChannels, k = s.PatchSize, oh = s.OutHeight, ow = s.OutWidth;
        long imageFloats = (long)cin * s.InHeight * s.InWidth;
        // The image this thread most likely takes next (images are handed out in order to the threads).
        float* next = n + threads < s.Batch ? x + (n + threads) * imageFloats : null;
        float** rows = (float**)ThreadScratch.Get(ScratchSlot.ConvRows, 2L * k);
        float* image = x + n * imageFloats;
        int rowStride;
        if (_inPlaceOffsets is { } offsets)
        {
            for (int p = 0; p < k; p++) rows[p] = image + offsets[p];
            rowStride = s.InWidth;
        }
        else
        {
            // Slack past the last plane: a tile's junk positions (past OutWidth) read up to 7 values beyond a row.
            float* planes = ThreadScratch.Get(ScratchSlot.ConvPlanes, (long)cin * cp.ChannelLength + 16);
            cp.Gather(s, image, cin, planes);
            cp.FillRows(s, planes, cin, rows, PatchRowOrder.KernelRowMajor);
            rowStride = cp.PW;
        }
        float* tile = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)oh * _paddedWidth * _lanes);
        long outputFloats = (long)s.OutChannels * oh * ow;
        float* output = y + n * outputFloats;
        for (int oy = 0; oy < oh; oy++)
        {
            // The next image's input, and this image's output before the transpose writes it.
            CachePrefetch.Slice(next, imageFloats, oy, oh);
            CachePrefetch.Slice(output, outputFloats, oy, oh);
            var (p0, p1) = _rowDepth[oy];
            for (int ox = 0; ox < _paddedWidth; ox += _positions)
            {
                float* c = tile + ((long)oy * _paddedWidth + ox) * _lanes;
                bool left = _skipsRowEnds && ox == 0, right = _skipsRowEnds && ox + _positions == ow;
                foreach (var (lane, vectors) in _channelTiles)
                    RunTile(_positions, vectors, p1 - p0, rows + p0, (nint)oy * rowStride + ox, _weights + (long)p0 * _lanes + lane, c + lane, left, right);
            }
        }
        ToOutput(tile, _paddedWidth, _lanes, oh, ow, s.OutChannels, bias, output, accumulate);
    }

    /// <summary>Floats of a weight-gradient buffer for <see cref="WeightGradientImages"/>: depth (plus a tile's
    /// overhang) times lanes, kernel-row-major, output channels in the lanes.</summary>
    public int GradientLength => (_shape.PatchSize + 8) * _lanes;

    /// <summary>
    /// Images per <see cref="WeightGradientImages"/> pass: as many as keep their planes and position-major output
    /// gradients (streamed once per tile) within about half a megabyte of L2, at most 16.
    /// </summary>
    public int ImagesPerWeightGradient
    {
        get
        {
            long perImage = (long)_shape.InChannels * _planes.ChannelLength + (long)_shape.OutHeight * _shape.OutWidth * _lanes;
            return (int)Math.Clamp(128 * 1024 / perImage, 1, 16);
        }
    }

    /// <summary>
    /// gradient (+)= the weight gradient of images n0 .. n0 + count - 1 in the layout of <see cref="GradientLength"/>:
    /// tiles of 6 or 8 im2col rows times up to 64 output channels, each summing the images' real output positions
    /// (no junk columns) over the output rows its kernel rows read inside the input.
    /// </summary>
    /// <param name="next">Images after these that the same thread sums next: their inputs and output gradients are
    /// prefetched into L2 while these compute (inside a step they come from memory).</param>
    public void WeightGradientImages(float* x, float* dy, float* gradient, int n0, int count, bool accumulate, int next = 0)
    {
        var s = _shape;
        var cp = _planes;
        int cin = s.InChannels, k = s.PatchSize, oh = s.OutHeight, ow = s.OutWidth, lanes = _lanes, perKernelRow = cin * s.KernelWidth;
        long imageStride = (long)cin * cp.ChannelLength, positions = (long)oh * ow;
        float* planes = ThreadScratch.Get(ScratchSlot.ConvPlanes, count * imageStride + 16);
        float* dyT = ThreadScratch.Get(ScratchSlot.ConvExtended, count * positions * lanes);
        for (int i = 0; i < count; i++)
        {
            cp.Gather(s, x + (long)(n0 + i) * cin * s.InHeight * s.InWidth, cin, planes + i * imageStride);
            BlockTranspose.ToPositionMajor(dy + (long)(n0 + i) * s.OutChannels * positions, s.OutChannels, (int)positions, dyT + i * positions * lanes, lanes);
        }
        float** rows = (float**)ThreadScratch.Get(ScratchSlot.ConvRows, 2L * (k + 8));
        cp.FillRows(s, planes, cin, rows, PatchRowOrder.KernelRowMajor);
        for (int p = k; p < k + 8; p++) rows[p] = rows[0]; // a last tile's overhang: its rows land past the depth
        long inputFloats = (long)cin * s.InHeight * s.InWidth, gradientFloats = (long)s.OutChannels * positions;
        float* nextX = next > 0 ? x + (n0 + count) * inputFloats : null, nextDy = next > 0 ? dy + (n0 + count) * gradientFloats : null;
        int tilesTotal = 0, tileIndex = 0;
        foreach (var (_, vectors) in _gradientTiles) tilesTotal += (k + (vectors == 4 ? 6 : 8) - 1) / (vectors == 4 ? 6 : 8);
        foreach (var (lane, vectors) in _gradientTiles)
        {
            int tileRows = vectors == 4 ? 6 : 8;
            for (int p0 = 0; p0 < k; p0 += tileRows, tileIndex++)
            {
                // One slice of the next images' data per tile, so that a few dozen lines are in flight at a time.
                CachePrefetch.Slice(nextX, next * inputFloats, tileIndex, tilesTotal);
                CachePrefetch.Slice(nextDy, next * gradientFloats, tileIndex, tilesTotal);
                // The union of the tile's kernel rows' output ranges (rows outside one's range read zero padding).
                int lo = int.MaxValue, hi = 0;
                for (int i = p0 / perKernelRow; i <= (Math.Min(p0 + tileRows, k) - 1) / perKernelRow; i++)
                    (lo, hi) = (Math.Min(lo, _kernelRowOutputs[i].Lo), Math.Max(hi, _kernelRowOutputs[i].Hi));
                hi = Math.Max(lo, hi);
                RunGradientTile(vectors, rows + p0, (nint)imageStride, count, lo, hi, dyT + lane, (nint)(positions * lanes),
                    gradient + (long)p0 * lanes + lane, accumulate);
            }
        }
    }

    /// <summary>dW[co, c, i, j] = gradient[Depth(i, c, j), co]: a weight gradient back to the ONNX layout.</summary>
    public void ToWeights(float* gradient, float* dw)
    {
        var s = _shape;
        int k = s.PatchSize;
        for (int co = 0; co < s.OutChannels; co++)
            for (int c = 0; c < s.InChannels; c++)
                for (int i = 0; i < s.KernelHeight; i++)
                    for (int j = 0; j < s.KernelWidth; j++)
                        dw[(long)co * k + (c * s.KernelHeight + i) * s.KernelWidth + j] = gradient[(long)Depth(i, c, j) * _lanes + co];
    }

    private void RunGradientTile(int vectors, float** rows, nint imageStride, int images, int lo, int hi, float* dyT, nint dyImageStride,
        float* c, bool accumulate)
    {
        nint ld = _lanes;
        int pw = _planes.PW, ow = _shape.OutWidth;
        switch (vectors)
        {
            case 1: ChannelLaneKernel.RunWeightGradient<EightValues, OneLaneVector>(rows, imageStride, images, lo, hi, pw, ow, dyT, dyImageStride, ld, c, ld, accumulate); break;
            case 2: ChannelLaneKernel.RunWeightGradient<EightValues, TwoLaneVectors>(rows, imageStride, images, lo, hi, pw, ow, dyT, dyImageStride, ld, c, ld, accumulate); break;
            case 3: ChannelLaneKernel.RunWeightGradient<EightValues, ThreeLaneVectors>(rows, imageStride, images, lo, hi, pw, ow, dyT, dyImageStride, ld, c, ld, accumulate); break;
            default: ChannelLaneKernel.RunWeightGradient<SixValues, FourLaneVectors>(rows, imageStride, images, lo, hi, pw, ow, dyT, dyImageStride, ld, c, ld, accumulate); break;
        }
    }

    private void RunTile(int positions, int vectors, int kc, float** rows, nint offset, float* b, float* c, bool left, bool right)
    {
        switch ((left, right))
        {
            case (false, false): RunTile<NoRowEnd>(positions, vectors, kc, rows, offset, b, c); break;
            case (true, false): RunTile<LeftRowEnd>(positions, vectors, kc, rows, offset, b, c); break;
            case (false, true): RunTile<RightRowEnd>(positions, vectors, kc, rows, offset, b, c); break;
            default: RunTile<BothRowEnds>(positions, vectors, kc, rows, offset, b, c); break;
        }
    }

    private void RunTile<TE>(int positions, int vectors, int kc, float** rows, nint offset, float* b, float* c) where TE : struct, IRowEnds =>
        RunTile<TE>(positions, vectors, kc, rows, offset, b, _lanes, c, _lanes);

    /// <summary>One <see cref="ChannelLaneKernel"/> tile of <paramref name="positions"/> (7 or 8) positions times
    /// <paramref name="vectors"/> lane vectors; position j's row of C at c + j * ldc.</summary>
    internal static void RunTile<TE>(int positions, int vectors, int kc, float** rows, nint offset, float* b, nint ldb, float* c, nint ldc)
        where TE : struct, IRowEnds
    {
        switch ((positions, vectors))
        {
            case (7, 1): ChannelLaneKernel.Run<SevenValues, OneLaneVector, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            case (7, 2): ChannelLaneKernel.Run<SevenValues, TwoLaneVectors, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            case (7, 3): ChannelLaneKernel.Run<SevenValues, ThreeLaneVectors, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            case (8, 1): ChannelLaneKernel.Run<EightValues, OneLaneVector, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            case (8, 2): ChannelLaneKernel.Run<EightValues, TwoLaneVectors, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            case (8, 3): ChannelLaneKernel.Run<EightValues, ThreeLaneVectors, TE>(kc, rows, offset, b, ldb, c, ldc); break;
            default: throw new ArgumentOutOfRangeException(nameof(vectors), $"no {positions} x {vectors} row tile");
        }
    }

    /// <summary>
    /// Whether the forward tiles read the input image in place instead of a zero-padded copy of its planes: they never
    /// read the padding when the tiles skip the taps beside each row (<see cref="SkipsRowEnds"/>), each output row sums
    /// only the kernel rows inside the input (<see cref="RowDepth"/>, so stride 1 down too) and the tiles cover the
    /// row exactly (no junk positions past it). resnet20's 3x3 layers (28, 14 and 7 wide: tiles of 7) all do; the copy
    /// they skip is a pass over each image's input (forward, and stride-1 grad input over the output gradient).
    /// </summary>
    internal static bool ReadsInPlace(in Conv2dShape s) =>
        SkipsRowEnds(s) && s.StrideH == 1 && PaddedWidth(s.OutWidth) == s.OutWidth;

    /// <summary>
    /// Whether tiles may skip the taps on the padding beside a row (<see cref="IRowEnds"/>): a 3-wide kernel at stride
    /// and dilation 1 with one padding column on each side, so those taps are exactly column 0 of the row's first
    /// position and column 2 of its last.
    /// </summary>
    private static bool SkipsRowEnds(in Conv2dShape s) =>
        s.KernelWidth == 3 && s.StrideW == 1 && s.DilationW == 1 && s.PadLeft == 1 && s.PadRight == 1 && s.OutWidth == s.InWidth;


    /// <summary>
    /// y[co, oy, ox] (+)= tile[oy, ox, co] + bias[co] for an h x w x channels output whose tile rows are
    /// <paramref name="paddedWidth"/> positions of <paramref name="lanes"/> floats: the position-major tiles back to
    /// NCHW, in 16 x 16 blocks over the positions taken as one run when the tiles have no junk positions, row by row
    /// otherwise.
    /// </summary>
    internal static void ToOutput(float* tile, int paddedWidth, int lanes, int oh, int ow, int channels, float* bias, float* y, bool accumulate)
    {
        int ohw = oh * ow;
        bool flat = paddedWidth == ow;
        for (int oy = 0; oy < (flat ? 1 : oh); oy++)
        {
            int run = flat ? ohw : ow;
            float* src = tile + (long)oy * paddedWidth * lanes, dst = y + (long)oy * ow;
            for (int q = 0; q < run; q += 16)
                for (int c = 0; c < channels; c += 16)
                    BlockTranspose.Block(src + (long)q * lanes + c, lanes, Math.Min(16, run - q), 16, dst + (long)c * ohw + q, ohw,
                        Math.Min(16, channels - c), Math.Min(16, run - q), bias == null ? null : bias + c, accumulate);
        }
    }

    /// <summary>7 or 8 positions per tile, whichever pads the row less (8 on a tie).</summary>
    internal static int Positions(int width) => (width + 6) / 7 * 7 < (width + 7) / 8 * 8 ? 7 : 8;

    /// <summary>An output row's width in whole tiles.</summary>
    internal static int PaddedWidth(int width) => (width + Positions(width) - 1) / Positions(width) * Positions(width);

    /// <summary>Per output row, the depth range [P0, P1) of the kernel rows that read inside the input.</summary>
    private static (int P0, int P1)[] RowDepth(in Conv2dShape s)
    {
        var depth = new (int, int)[s.OutHeight];
        int perKernelRow = s.InChannels * s.KernelWidth;
        for (int oy = 0; oy < s.OutHeight; oy++)
        {
            var (lo, hi) = Conv2dShape.ValidRange(s.KernelHeight, s.DilationH, oy * s.StrideH - s.PadTop, s.InHeight);
            depth[oy] = (lo * perKernelRow, hi * perKernelRow);
        }
        return depth;
    }

    public void Dispose()
    {
        if (_weights != null) NativeMemory.AlignedFree(_weights);
    }
}

/// <summary>Whether <see cref="Conv2d"/> runs row tiles (<see cref="RowTileConv2d"/>) where they can run.</summary>
public enum RowTilePolicy
{
    Auto,
    Always,
    Never,
}
