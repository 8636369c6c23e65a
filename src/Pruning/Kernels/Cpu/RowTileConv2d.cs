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
/// plain MACs instead of 9/7 x 8/7 of them. The tiles land position-major in scratch and are transposed to NCHW.
/// Every output sums its depth in one fixed order, so results do not depend on threads.
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

    /// <summary>
    /// Whether this layout runs <paramref name="s"/>: AVX-512, one group, not a plain 1x1 GEMM, enough depth to hide
    /// the transpose, and a batch that spreads over the threads (one image per task); then, unless
    /// <see cref="Conv2d.RowTiles"/> forces it, when it has at least 32 output-channel lanes and computes no more
    /// multiply-adds than the planes' GEMM would (<paramref name="gemmColumnsPerImage"/>: the columns that GEMM
    /// computes per image). Measured (`bench -- gemm --row-tiles compare`, batch 128, 2 threads): 13-15% faster on
    /// 3x3 layers of 32 to 128 channels on 14x14 and 7x7 maps, 7-10% on stride-2 ones, level on 28x28; with 16
    /// lanes a tile (7 broadcasts per 7 multiply-adds) ran 58% slower than the GEMM on 16->16 28x28.
    /// </summary>
    public static bool Applies(in Conv2dShape s, ConvPlanes cp, double gemmColumnsPerImage, int threads)
    {
        if (!Vector512.IsHardwareAccelerated || s.Groups != 1 || cp.Direct || s.PatchSize < MinDepth || s.Batch < threads) return false;
        if (Conv2d.RowTiles != RowTilePolicy.Auto) return Conv2d.RowTiles == RowTilePolicy.Always;
        if (s.OutChannels <= 16) return false;
        int positions = Positions(s.OutWidth);
        int padded = (s.OutWidth + positions - 1) / positions * positions;
        long lanes = (s.OutChannels + 15) / 16 * 16;
        double rowTiles = (double)RowDepth(s).Sum(r => r.P1 - r.P0) * padded * lanes;
        double gemm = (double)s.PatchSize * gemmColumnsPerImage * ((s.OutChannels + 7) / 8 * 8);
        return rowTiles <= gemm;
    }

    /// <summary>Below this depth (e.g. a stem with one input channel) the per-tile overhead dominates.</summary>
    private const int MinDepth = 32;

    public RowTileConv2d(in Conv2dShape s, ConvPlanes cp, float* w)
    {
        _shape = s;
        _planes = cp;
        _lanes = (s.OutChannels + 15) / 16 * 16;
        _positions = Positions(s.OutWidth);
        _paddedWidth = (s.OutWidth + _positions - 1) / _positions * _positions;
        int k = s.PatchSize, cin = s.InChannels, kh = s.KernelHeight, kw = s.KernelWidth;
        _weights = (float*)NativeMemory.AlignedAlloc((nuint)((long)k * _lanes * sizeof(float)), 64);
        new Span<float>(_weights, k * _lanes).Clear();
        for (int co = 0; co < s.OutChannels; co++)
            for (int c = 0; c < cin; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        _weights[(long)((i * cin + c) * kw + j) * _lanes + co] = w[(long)co * k + (c * kh + i) * kw + j];
        _rowDepth = RowDepth(s);
        int vectors = _lanes / 16, tiles = (vectors + 2) / 3;
        _channelTiles = new (int, int)[tiles];
        for (int t = 0, lane = 0; t < tiles; t++)
        {
            int count = vectors / tiles + (t < vectors % tiles ? 1 : 0);
            _channelTiles[t] = (lane, count);
            lane += count * 16;
        }
    }

    /// <summary>Output of image n: y = conv(x) + bias (bias may be null), or y += it with <paramref name="accumulate"/>.</summary>
    public void ForwardImage(float* x, float* bias, float* y, int n, bool accumulate)
    {
        var s = _shape;
        var cp = _planes;
        int cin = s.InChannels, k = s.PatchSize, oh = s.OutHeight, ow = s.OutWidth;
        // Slack past the last plane: a tile's junk positions (past OutWidth) read up to 7 values beyond a row.
        float* planes = ThreadScratch.Get(ScratchSlot.ConvPlanes, (long)cin * cp.ChannelLength + 16);
        cp.Gather(s, x + (long)n * cin * s.InHeight * s.InWidth, cin, planes);
        float** rows = (float**)ThreadScratch.Get(ScratchSlot.ConvRows, 2L * k);
        cp.FillRows(s, planes, cin, rows, PatchRowOrder.KernelRowMajor);
        float* tile = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)oh * _paddedWidth * _lanes);
        for (int oy = 0; oy < oh; oy++)
        {
            var (p0, p1) = _rowDepth[oy];
            for (int ox = 0; ox < _paddedWidth; ox += _positions)
            {
                float* c = tile + ((long)oy * _paddedWidth + ox) * _lanes;
                foreach (var (lane, vectors) in _channelTiles)
                    RunTile(_positions, vectors, p1 - p0, rows + p0, (nint)oy * cp.PW + ox, _weights + (long)p0 * _lanes + lane, c + lane);
            }
        }
        ToOutput(tile, bias, y + (long)n * s.OutChannels * oh * ow, accumulate);
    }

    private void RunTile(int positions, int vectors, int kc, float** rows, nint offset, float* b, float* c)
    {
        nint ld = _lanes;
        switch (positions * 4 + vectors)
        {
            case 7 * 4 + 1: ChannelLaneKernel.Run<SevenPositions, OneLaneVector>(kc, rows, offset, b, ld, c, ld); break;
            case 7 * 4 + 2: ChannelLaneKernel.Run<SevenPositions, TwoLaneVectors>(kc, rows, offset, b, ld, c, ld); break;
            case 7 * 4 + 3: ChannelLaneKernel.Run<SevenPositions, ThreeLaneVectors>(kc, rows, offset, b, ld, c, ld); break;
            case 8 * 4 + 1: ChannelLaneKernel.Run<EightPositions, OneLaneVector>(kc, rows, offset, b, ld, c, ld); break;
            case 8 * 4 + 2: ChannelLaneKernel.Run<EightPositions, TwoLaneVectors>(kc, rows, offset, b, ld, c, ld); break;
            default: ChannelLaneKernel.Run<EightPositions, ThreeLaneVectors>(kc, rows, offset, b, ld, c, ld); break;
        }
    }

    /// <summary>y[co, oy, ox] (+)= tile[oy, ox, co] + bias[co]: the position-major tiles back to NCHW.</summary>
    private void ToOutput(float* tile, float* bias, float* y, bool accumulate)
    {
        int oh = _shape.OutHeight, ow = _shape.OutWidth, lanes = _lanes;
        for (int co = 0; co < _shape.OutChannels; co++)
        {
            float b = bias == null ? 0f : bias[co];
            float* dst = y + (long)co * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                float* src = tile + (long)oy * _paddedWidth * lanes + co;
                float* d = dst + (long)oy * ow;
                if (accumulate)
                    for (int ox = 0; ox < ow; ox++) d[ox] += src[(long)ox * lanes] + b;
                else
                    for (int ox = 0; ox < ow; ox++) d[ox] = src[(long)ox * lanes] + b;
            }
        }
    }

    /// <summary>7 or 8 positions per tile, whichever pads the row less (8 on a tie).</summary>
    private static int Positions(int width) => (width + 6) / 7 * 7 < (width + 7) / 8 * 8 ? 7 : 8;

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

    public void Dispose() => NativeMemory.AlignedFree(_weights);
}

/// <summary>Whether <see cref="Conv2d"/> runs row tiles (<see cref="RowTileConv2d"/>) where they can run.</summary>
public enum RowTilePolicy
{
    Auto,
    Always,
    Never,
}
