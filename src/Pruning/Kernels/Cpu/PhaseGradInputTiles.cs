using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Grad input of a strided convolution (one group, dilation 1, AVX-512) as stride-1 row tiles, one set per phase.
/// Along each axis, input position i = s * a + r (phase r) receives exactly the kernel taps t whose r + pad - t is a
/// multiple of s, each from output position a + (r + pad - t) / s. So each of the s_h * s_w phases of dX is a small
/// stride-1 correlation of dY (kernel: that phase's taps, channels transposed), and together the phases multiply
/// every tap once: dX's own multiply-adds, none by the zeros a stride inserts and no strided col2im (the planes'
/// GEMM computes W^T * dY, Cout deep, and adds its columns back through the stride: 3x3 stride 2 at 47-57% of peak).
/// dY is gathered once per image into zero-padded planes that every phase reads (<see cref="ConvPlanes"/> of a
/// stride-1 shape whose padding covers all phases' offsets), and the phases' tiles land interleaved, s_w positions
/// apart, in one position-major buffer of the dX image, which <see cref="RowTileConv2d.ToOutput"/> transposes to
/// NCHW as the forward does. A phase no tap reaches (a 1x1 kernel's odd positions) runs with depth 0: zeros. Every
/// value sums its taps in one fixed order, so results do not depend on threads.
/// </summary>
internal sealed unsafe class PhaseGradInputTiles : IDisposable
{
    private readonly Conv2dShape _shape;
    /// <summary>dY read as the input of a stride-1 convolution whose kernel spans every phase's output offsets.</summary>
    private readonly Conv2dShape _planesShape;
    private readonly ConvPlanes _planes;
    /// <summary>Input channels (dX's, in the vector lanes) rounded up to whole 16-lane vectors.</summary>
    private readonly int _lanes;
    /// <summary>Positions per row of the position-major dX buffer: s_w times the widest phase's padded row.</summary>
    private readonly int _bufferWidth;
    private readonly (int Lane, int Vectors)[] _channelTiles;
    private readonly Phase[] _phases;
    /// <summary>The deepest phase: the length of its row-pointer list.</summary>
    private readonly int _maxDepth;

    /// <summary>One axis's phase r: input positions r, r + s, ... (Count of them), reached by the output offsets
    /// First .. First + Taps - 1, offset First + u through kernel index r + pad - s * (First + u).</summary>
    private readonly record struct AxisPhase(int R, int Count, int First, int Taps, int Stride, int Pad)
    {
        public int Kernel(int u) => R + Pad - Stride * (First + u);
    }

    /// <summary>A phase of dX: its axes, packed weights (depth (u * Cout + co) * taps_x + v, lanes = input channels),
    /// the depth range per phase row whose output rows lie inside dY, and its tile width.</summary>
    private sealed class Phase
    {
        public AxisPhase Y, X;
        public float* Weights;
        public (int P0, int P1)[] RowDepth = [];
        public int Positions, PaddedWidth, Depth;
    }

    /// <summary>
    /// Whether this layout runs <paramref name="s"/>'s grad input: AVX-512, one group, a stride above 1, dilation 1,
    /// a batch that spreads over the threads; then, unless <see cref="Conv2d.RowTiles"/> forces it, when the input
    /// channels fill at least three quarters of their lane vectors.
    /// </summary>
    public static bool Applies(in Conv2dShape s, int threads)
    {
        if (!Vector512.IsHardwareAccelerated || s.Groups != 1 || s.StrideH == 1 && s.StrideW == 1
            || s.DilationH != 1 || s.DilationW != 1 || s.Batch < threads) return false;
        if (Conv2d.RowTiles != RowTilePolicy.Auto) return Conv2d.RowTiles == RowTilePolicy.Always;
        int lanes = (s.InChannels + 15) / 16 * 16;
        return 4 * s.InChannels >= 3 * lanes;
    }

    public PhaseGradInputTiles(in Conv2dShape s, float* w)
    {
        _shape = s;
        _lanes = (s.InChannels + 15) / 16 * 16;
        var ys = AxisPhases(s.InHeight, s.StrideH, s.PadTop, s.KernelHeight);
        var xs = AxisPhases(s.InWidth, s.StrideW, s.PadLeft, s.KernelWidth);
        var (padTop, padBottom, kh) = Span(ys, s.OutHeight);
        var (padLeft, padRight, kw) = Span(xs, s.OutWidth);
        // A 1x1 unpadded span would read dY in place (ConvPlanes.Direct); one zero row below keeps the planes' layout.
        if (kh == 1 && kw == 1 && padTop + padBottom + padLeft + padRight == 0) padBottom = 1;
        _planesShape = new Conv2dShape(1, s.OutChannels, s.OutHeight, s.OutWidth, s.InChannels, kh, kw)
        {
            PadTop = padTop, PadBottom = padBottom, PadLeft = padLeft, PadRight = padRight,
        };
        _planes = new ConvPlanes(_planesShape);
        _channelTiles = RowTileConv2d.ChannelTiles(_lanes / 16, 3);
        _phases = new Phase[ys.Length * xs.Length];
        int widest = 0;
        for (int py = 0; py < ys.Length; py++)
            for (int px = 0; px < xs.Length; px++)
            {
                var phase = new Phase
                {
                    Y = ys[py], X = xs[px], Depth = ys[py].Taps * xs[px].Taps * s.OutChannels,
                    Positions = RowTileConv2d.Positions(Math.Max(1, xs[px].Count)),
                };
                phase.PaddedWidth = RowTileConv2d.PaddedWidth(Math.Max(1, xs[px].Count));
                widest = Math.Max(widest, phase.PaddedWidth);
                phase.Weights = PackWeights(s, phase, w);
                phase.RowDepth = new (int, int)[phase.Y.Count];
                int perTapRow = s.OutChannels * phase.X.Taps;
                for (int a = 0; a < phase.Y.Count; a++)
                {
                    // Tap rows u whose output row a + First + u lies inside dY.
                    int lo = Math.Clamp(-(a + phase.Y.First), 0, phase.Y.Taps), hi = Math.Clamp(s.OutHeight - a - phase.Y.First, lo, phase.Y.Taps);
                    phase.RowDepth[a] = (lo * perTapRow, hi * perTapRow);
                }
                _phases[py * xs.Length + px] = phase;
            }
        _bufferWidth = s.StrideW * widest;
        _maxDepth = _phases.Max(p => p.Depth);
    }

    /// <summary>The phases of one axis of an input of <paramref name="size"/> positions.</summary>
    private static AxisPhase[] AxisPhases(int size, int stride, int pad, int kernel)
    {
        var phases = new AxisPhase[stride];
        for (int r = 0; r < stride; r++)
        {
            int count = r < size ? (size - r + stride - 1) / stride : 0;
            // Taps t = r + pad - s * d with 0 <= t < kernel: d from ceil((r + pad - kernel + 1) / s) to floor((r + pad) / s).
            int first = CeilDiv(r + pad - kernel + 1, stride), last = FloorDiv(r + pad, stride);
            phases[r] = new AxisPhase(r, count, first, Math.Max(0, last - first + 1), stride, pad);
        }
        return phases;
    }

    /// <summary>
    /// Padding before and after dY along one axis, and the kernel extent, such that plane position a + k reads
    /// dY[a + First + u] (k = First + u + before) for every phase's real positions a and taps u.
    /// </summary>
    private static (int Before, int After, int Extent) Span(AxisPhase[] phases, int outSize)
    {
        int before = 0, reach = 0, count = 0;
        foreach (var p in phases)
        {
            count = Math.Max(count, p.Count);
            if (p.Taps == 0) continue;
            before = Math.Max(before, -p.First);
            reach = Math.Max(reach, p.First + p.Taps - 1);
        }
        int extent = Math.Max(1, reach + before + 1);
        // The planes' rows must reach a + extent - 1 for a < count: outSize + before + after >= count + extent - 1.
        int after = Math.Max(0, count + extent - 1 - before - outSize);
        return (before, after, extent);
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);

    /// <summary>weights[d, ci] = W[co, ci, ky(u), kx(v)] at d = (u * Cout + co) * taps_x + v, lanes past Cin zero.</summary>
    private float* PackWeights(in Conv2dShape s, Phase phase, float* w)
    {
        long depth = Math.Max(1, phase.Depth);
        var packed = (float*)NativeMemory.AlignedAlloc((nuint)(depth * _lanes * sizeof(float)), 64);
        new Span<float>(packed, (int)(depth * _lanes)).Clear();
        int k = s.PatchSize;
        for (int u = 0; u < phase.Y.Taps; u++)
            for (int co = 0; co < s.OutChannels; co++)
                for (int v = 0; v < phase.X.Taps; v++)
                {
                    float* row = packed + ((long)(u * s.OutChannels + co) * phase.X.Taps + v) * _lanes;
                    int tap = phase.Y.Kernel(u) * s.KernelWidth + phase.X.Kernel(v);
                    for (int ci = 0; ci < s.InChannels; ci++) row[ci] = w[(long)co * k + ci * s.KernelHeight * s.KernelWidth + tap];
                }
        return packed;
    }

    /// <summary>Grad input of image n: dx = the convolution's adjoint applied to dy, or dx += it with <paramref name="accumulate"/>.</summary>
    public void GradInputImage(float* dy, float* dx, int n, bool accumulate, int threads)
    {
        var s = _shape;
        var ps = _planesShape;
        var cp = _planes;
        int cout = s.OutChannels, kw = ps.KernelWidth;
        long dyFloats = (long)cout * s.OutHeight * s.OutWidth, dxFloats = (long)s.InChannels * s.InHeight * s.InWidth;
        // The image this thread most likely takes next (images are handed out in order to the threads).
        float* next = n + threads < s.Batch ? dy + (n + threads) * dyFloats : null;
        float* output = dx + n * dxFloats;
        // Slack past the last plane: a tile's junk positions (past a phase's row) read up to 7 values beyond a row.
        float* planes = ThreadScratch.Get(ScratchSlot.ConvPlanes, cout * cp.ChannelLength + 16);
        cp.Gather(ps, dy + n * dyFloats, cout, planes);
        int spanDepth = ps.PatchSize;
        float** span = (float**)ThreadScratch.Get(ScratchSlot.ConvRows, 2L * (spanDepth + _maxDepth));
        float** rows = span + spanDepth;
        cp.FillRows(ps, planes, cout, span, PatchRowOrder.KernelRowMajor);
        float* tile = ThreadScratch.Get(ScratchSlot.ConvExtended, (long)s.InHeight * _bufferWidth * _lanes);
        nint ldc = (nint)s.StrideW * _lanes;
        for (int q = 0; q < _phases.Length; q++)
        {
            var phase = _phases[q];
            CachePrefetch.Slice(next, dyFloats, q, _phases.Length);
            CachePrefetch.Slice(output, dxFloats, q, _phases.Length);
            // The phase's taps among the span's rows: kernel row i = First_y + u + before, column j likewise.
            int i0 = phase.Y.First + ps.PadTop, j0 = phase.X.First + ps.PadLeft;
            for (int u = 0; u < phase.Y.Taps; u++)
                for (int co = 0; co < cout; co++)
                    for (int v = 0; v < phase.X.Taps; v++)
                        rows[(u * cout + co) * phase.X.Taps + v] = span[((long)(i0 + u) * cout + co) * kw + j0 + v];
            for (int a = 0; a < phase.Y.Count; a++)
            {
                var (p0, p1) = phase.RowDepth[a];
                float* row = tile + (long)(s.StrideH * a + phase.Y.R) * _bufferWidth * _lanes;
                for (int b = 0; b < phase.PaddedWidth; b += phase.Positions)
                {
                    float* c = row + ((long)s.StrideW * b + phase.X.R) * _lanes;
                    foreach (var (lane, vectors) in _channelTiles)
                        RowTileConv2d.RunTile<NoRowEnd>(phase.Positions, vectors, p1 - p0, rows + p0, (nint)a * cp.PW + b,
                            phase.Weights + (long)p0 * _lanes + lane, _lanes, c + lane, ldc);
                }
            }
        }
        RowTileConv2d.ToOutput(tile, _bufferWidth, _lanes, s.InHeight, s.InWidth, s.InChannels, null, output, accumulate);
    }

    public void Dispose()
    {
        foreach (var phase in _phases)
            if (phase.Weights != null) NativeMemory.AlignedFree(phase.Weights);
    }
}
