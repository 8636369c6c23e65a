using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The layout that turns a convolution into GEMMs over contiguous runs. Each input channel is copied,
/// zero-padded, into StrideH * StrideW "phase planes" (phase (a, b) holds padded rows a, a + StrideH, ...
/// and padded columns b, b + StrideW, ...), PH + 1 rows of PW each (the extra zero row absorbs overrun).
/// The output is computed in an extended layout of OutHeight rows of PW columns (columns OutWidth..PW-1
/// are junk that is cropped away). Then every im2col row (c, i, j) is one contiguous run of
/// OutHeight * PW values: the phase plane of (i * DilationH % StrideH, j * DilationW % StrideW) from
/// offset (i * DilationH / StrideH) * PW + j * DilationW / StrideW, so GEMMs read it through row
/// pointers with no im2col matrix, and col2im is a flat add of each row back onto its plane.
/// A 1x1, stride-1, unpadded convolution uses the input planes themselves (Direct).
/// </summary>
internal sealed unsafe class ConvPlanes
{
    /// <summary>The convolution reads the input as it is (1x1, stride 1, no padding).</summary>
    public readonly bool Direct;
    /// <summary>Columns of a phase plane and of the extended output layout.</summary>
    public readonly int PW;
    /// <summary>Floats in one phase plane ((PH + 1) * PW).</summary>
    public readonly int PlaneLength;
    /// <summary>Floats per channel (all its phase planes; the input plane when Direct).</summary>
    public readonly int ChannelLength;
    /// <summary>Columns of the extended output: OutHeight * PW.</summary>
    public readonly int Columns;
    /// <summary>The extended layout is the output layout (no crop needed).</summary>
    public readonly bool OutputIsExtended;
    /// <summary>Offset of each kernel tap's run from its channel's first plane.</summary>
    private readonly long[] _tapOffsets;
    /// <summary>Per phase row a: plane rows [lo, hi) inside the input, or an empty range when no tap reads it.</summary>
    private readonly (int Lo, int Hi)[] _phaseRows;
    /// <summary>Per phase column b: plane columns [lo, hi) inside the input, or empty when no tap reads it.</summary>
    private readonly (int Lo, int Hi)[] _phaseCols;
    private readonly bool[] _rowUsed, _colUsed;

    public ConvPlanes(in Conv2dShape s)
    {
        Direct = s.KernelHeight == 1 && s.KernelWidth == 1 && s.StrideH == 1 && s.StrideW == 1
            && s.PadTop == 0 && s.PadLeft == 0 && s.PadBottom == 0 && s.PadRight == 0;
        if (Direct)
        {
            PW = s.InWidth;
            PlaneLength = ChannelLength = s.InHeight * s.InWidth;
        }
        else
        {
            int hp = s.InHeight + s.PadTop + s.PadBottom, wp = s.InWidth + s.PadLeft + s.PadRight;
            int ph = (hp + s.StrideH - 1) / s.StrideH;
            PW = (wp + s.StrideW - 1) / s.StrideW;
            PlaneLength = (ph + 1) * PW;
            ChannelLength = s.StrideH * s.StrideW * PlaneLength;
        }
        Columns = s.OutHeight * PW;
        OutputIsExtended = PW == s.OutWidth;
        _tapOffsets = new long[s.KernelHeight * s.KernelWidth];
        for (int i = 0; i < s.KernelHeight; i++)
            for (int j = 0; j < s.KernelWidth; j++)
            {
                int dy = i * s.DilationH, dx = j * s.DilationW;
                _tapOffsets[i * s.KernelWidth + j] = Direct
                    ? (long)dy * s.InWidth + dx
                    : (long)(dy % s.StrideH * s.StrideW + dx % s.StrideW) * PlaneLength + (long)(dy / s.StrideH) * PW + dx / s.StrideW;
            }
        int sh = Direct ? 1 : s.StrideH, sw = Direct ? 1 : s.StrideW;
        _rowUsed = new bool[sh];
        _colUsed = new bool[sw];
        for (int i = 0; i < s.KernelHeight; i++) _rowUsed[i * s.DilationH % sh] = true;
        for (int j = 0; j < s.KernelWidth; j++) _colUsed[j * s.DilationW % sw] = true;
        _phaseRows = new (int, int)[sh];
        _phaseCols = new (int, int)[sw];
        for (int a = 0; a < sh; a++) _phaseRows[a] = Conv2dShape.ValidRange(PlaneLength / PW, sh, a - (Direct ? 0 : s.PadTop), s.InHeight);
        for (int b = 0; b < sw; b++) _phaseCols[b] = Conv2dShape.ValidRange(PW, sw, b - (Direct ? 0 : s.PadLeft), s.InWidth);
    }

    /// <summary>Copies <paramref name="channels"/> input channels starting at x into phase planes at dst.</summary>
    public void Gather(in Conv2dShape s, float* x, int channels, float* dst) => Walk(s, x, channels, dst, toPlanes: true, accumulate: false);

    /// <summary>The adjoint of Gather: input channels at dx = (or, accumulating, +=) the real (unpadded) positions of the planes.</summary>
    public void ToInput(in Conv2dShape s, float* planes, int channels, float* dx, bool accumulate = false) =>
        Walk(s, dx, channels, planes, toPlanes: false, accumulate);

    /// <summary>
    /// <see cref="Gather"/> at stride 1 (one plane per channel): each plane float written once, the padding's zeros
    /// around the copied rows, instead of clearing the planes and then copying over most of them (twice the writes).
    /// </summary>
    private void GatherOnePhase(in Conv2dShape s, float* x, int channels, float* planes)
    {
        int h = s.InHeight, w = s.InWidth, pw = PW;
        var (yLo, yHi) = _phaseRows[0];
        var (lo, hi) = _phaseCols[0];
        for (int c = 0; c < channels; c++)
        {
            float* plane = planes + (long)c * ChannelLength;
            float* v = x + ((long)c * h + yLo - s.PadTop) * w - s.PadLeft;
            VectorOps.Clear(plane, (long)yLo * pw);
            for (int y = yLo; y < yHi; y++, v += w)
            {
                float* p = plane + (long)y * pw;
                // The padding beside a row is a column or two: plain stores.
                for (int q = 0; q < lo; q++) p[q] = 0;
                VectorOps.Copy(p + lo, v + lo, hi - lo);
                for (int q = hi; q < pw; q++) p[q] = 0;
            }
            VectorOps.Clear(plane + (long)yHi * pw, ChannelLength - (long)yHi * pw);
        }
    }

    /// <summary>
    /// Zeros for what a stride-2-across gather (<see cref="BothColumnPhases"/>) does not write: the plane rows outside
    /// each used phase row's input range, and whole phases no tap reads.
    /// </summary>
    private void ClearAroundPhaseRows(int channels, float* planes)
    {
        int rowsPerPlane = PlaneLength / PW;
        for (int c = 0; c < channels; c++)
            for (int a = 0; a < _phaseRows.Length; a++)
                for (int b = 0; b < 2; b++)
                {
                    float* plane = planes + (long)c * ChannelLength + (a * 2 + b) * (long)PlaneLength;
                    if (!_rowUsed[a] || !_colUsed[b])
                    {
                        VectorOps.Clear(plane, PlaneLength);
                        continue;
                    }
                    var (yLo, yHi) = _phaseRows[a];
                    yHi = Math.Max(yLo, yHi);
                    VectorOps.Clear(plane, (long)yLo * PW);
                    VectorOps.Clear(plane + (long)yHi * PW, (long)(rowsPerPlane - yHi) * PW);
                }
    }

    private void Walk(in Conv2dShape s, float* x, int channels, float* planes, bool toPlanes, bool accumulate)
    {
        int h = s.InHeight, w = s.InWidth, sh = _phaseRows.Length, sw = _phaseCols.Length, pw = PW;
        if (toPlanes && sh == 1 && sw == 1)
        {
            GatherOnePhase(s, x, channels, planes);
            return;
        }
        // Two column phases with AVX-512 write whole rows of the used phases: only the rest needs zeros first.
        bool wholeRows = sw == 2 && Vector512.IsHardwareAccelerated;
        if (toPlanes && wholeRows) ClearAroundPhaseRows(channels, planes);
        else if (toPlanes) VectorOps.Clear(planes, (long)channels * ChannelLength);
        for (int a = 0; a < sh; a++)
        {
            // Phases no tap reads stay zero (a 1x1 stride-2 convolution gathers a quarter of its input).
            if (toPlanes && !_rowUsed[a]) continue;
            var (yLo, yHi) = _phaseRows[a];
            if (wholeRows)
            {
                for (int c = 0; c < channels; c++)
                {
                    float* p0 = planes + (long)c * ChannelLength + (a * 2) * PlaneLength + (long)yLo * pw;
                    float* u = x + ((long)c * h + yLo * sh + a - s.PadTop) * w - s.PadLeft;
                    for (int y = yLo; y < yHi; y++, p0 += pw, u += (long)sh * w)
                        BothColumnPhases(u, s.PadLeft, w, p0, p0 + PlaneLength, pw, toPlanes, _colUsed[0], _colUsed[1], accumulate);
                }
                continue;
            }
            for (int b = 0; b < sw; b++)
            {
                if (toPlanes && !_colUsed[b]) continue;
                var (lo, hi) = _phaseCols[b];
                for (int c = 0; c < channels; c++)
                {
                    float* p = planes + (long)c * ChannelLength + (a * sw + b) * PlaneLength + (long)yLo * pw;
                    float* v = x + ((long)c * h + yLo * sh + a - s.PadTop) * w + b - s.PadLeft;
                    for (int y = yLo; y < yHi; y++, p += pw, v += (long)sh * w)
                    {
                        if (sw == 1)
                        {
                            if (toPlanes) VectorOps.Copy(p + lo, v + lo, hi - lo);
                            else if (accumulate) VectorOps.Add(v + lo, p + lo, hi - lo);
                            else VectorOps.Copy(v + lo, p + lo, hi - lo);
                        }
                        else if (toPlanes) for (int q = lo; q < hi; q++) p[q] = v[q * sw];
                        else if (accumulate) for (int q = lo; q < hi; q++) v[q * sw] += p[q];
                        else for (int q = lo; q < hi; q++) v[q * sw] = p[q];
                    }
                }
            }
        }
    }

    // Permute indices as expression-bodied constants: the JIT embeds them (a static readonly field would
    // be read through a class-init check when the method is compiled before the class is initialized).
    private static Vector512<int> InterleaveLo => Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static Vector512<int> InterleaveHi => Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>
    /// Stride 2: one padded row (padded column 0 at u; input columns are [padLeft, padLeft + w)) split
    /// into its even and odd column phases p0, p1 of <paramref name="pw"/> columns, or merged back (or added
    /// back, accumulating). Masked loads and stores never touch the padding. Gathering skips phases no tap reads.
    /// </summary>
    private static void BothColumnPhases(float* u, int padLeft, int w, float* p0, float* p1, int pw, bool toPlanes, bool evenUsed, bool oddUsed,
        bool accumulate)
    {
        for (int q = 0; q < pw; q += 16)
        {
            int lanes = Math.Min(16, pw - q);
            int r = 2 * q;
            var lo = Range(padLeft - r, padLeft + w - r);
            var hi = Range(padLeft - r - 16, padLeft + w - r - 16);
            if (toPlanes)
            {
                var a = Avx512F.MaskLoad(u + r, lo, Vector512<float>.Zero);
                var b = Avx512F.MaskLoad(u + r + 16, hi, Vector512<float>.Zero);
                if (evenUsed) Simd512.StorePartial(Simd512.EvenLanes(a, b), p0 + q, lanes);
                if (oddUsed) Simd512.StorePartial(Simd512.OddLanes(a, b), p1 + q, lanes);
            }
            else
            {
                var even = lanes == 16 ? Vector512.Load(p0 + q) : Simd512.LoadPartial(p0 + q, lanes);
                var odd = lanes == 16 ? Vector512.Load(p1 + q) : Simd512.LoadPartial(p1 + q, lanes);
                var first = Avx512F.PermuteVar16x32x2(even, InterleaveLo, odd);
                var second = Avx512F.PermuteVar16x32x2(even, InterleaveHi, odd);
                if (accumulate)
                {
                    first += Avx512F.MaskLoad(u + r, lo, Vector512<float>.Zero);
                    second += Avx512F.MaskLoad(u + r + 16, hi, Vector512<float>.Zero);
                }
                Avx512F.MaskStore(u + r, lo, first);
                Avx512F.MaskStore(u + r + 16, hi, second);
            }
        }
    }

    /// <summary>Lanes [from, to) of 16 (clamped) as a mask.</summary>
    private static Vector512<float> Range(int from, int to) =>
        (Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(from))
         & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(to))).AsSingle();

    /// <summary>
    /// Row pointers of the im2col matrix of <paramref name="channels"/> channels, tap t = i * kw + j of channel c at
    /// rows[c * taps + t] (ChannelMajor), rows[t * channels + c] (TapMajor: consecutive rows then lie in different
    /// planes) or rows[(i * channels + c) * kw + j] (KernelRowMajor: each kernel row's taps of all channels together).
    /// </summary>
    public void FillRows(in Conv2dShape s, float* planes, int channels, float** rows, PatchRowOrder order = PatchRowOrder.ChannelMajor)
    {
        var taps = _tapOffsets;
        int kw = s.KernelWidth;
        for (int c = 0; c < channels; c++)
        {
            float* channel = planes + (long)c * ChannelLength;
            for (int t = 0; t < taps.Length; t++)
            {
                long index = order switch
                {
                    PatchRowOrder.TapMajor => (long)t * channels + c,
                    PatchRowOrder.KernelRowMajor => ((long)(t / kw) * channels + c) * kw + t % kw,
                    _ => (long)c * taps.Length + t,
                };
                rows[index] = channel + taps[t];
            }
        }
    }

    /// <summary>y[r] = crop(ext[r]) (+ bias[r] when bias is not null) for <paramref name="count"/> rows, row r of
    /// ext at ext + r * <paramref name="extStride"/> (Columns when 0); y[r] += with <paramref name="accumulate"/>
    /// (when the output is the extended layout, ext is y and already holds the sum).</summary>
    public void CropOutput(in Conv2dShape s, float* ext, int count, float* bias, float* y, int extStride = 0, bool accumulate = false)
    {
        int ow = s.OutWidth, oh = s.OutHeight;
        long stride = extStride > 0 ? extStride : Columns;
        for (int r = 0; r < count; r++)
        {
            float* dst = y + (long)r * oh * ow;
            if (!OutputIsExtended)
                for (int o = 0; o < oh; o++)
                    if (accumulate) VectorOps.Add(dst + (long)o * ow, ext + r * stride + (long)o * PW, ow);
                    else VectorOps.Copy(dst + (long)o * ow, ext + r * stride + (long)o * PW, ow);
            if (bias != null) VectorOps.AddScalar(dst, bias[r], oh * ow);
        }
    }

    /// <summary>ext[r] = dy[r] in the extended layout, junk columns zero, for <paramref name="count"/> rows.</summary>
    public void ExtendOutput(in Conv2dShape s, float* dy, int count, float* ext)
    {
        int ow = s.OutWidth, oh = s.OutHeight;
        for (int r = 0; r < count; r++)
            for (int o = 0; o < oh; o++)
            {
                float* dst = ext + (long)r * Columns + (long)o * PW;
                VectorOps.Copy(dst, dy + ((long)r * oh + o) * ow, ow);
                new Span<float>(dst + ow, PW - ow).Clear();
            }
    }
}

/// <summary>The order of the im2col rows <see cref="ConvPlanes.FillRows"/> lists.</summary>
internal enum PatchRowOrder
{
    ChannelMajor,
    TapMajor,
    KernelRowMajor,
}
