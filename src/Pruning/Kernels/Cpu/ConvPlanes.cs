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
internal readonly unsafe struct ConvPlanes
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
    /// <summary>Bit a (b) set when some kernel row (column) reads phase row a (column b).</summary>
    private readonly int _rowPhases, _colPhases;

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
        for (int i = 0; i < s.KernelHeight; i++) _rowPhases |= 1 << (i * s.DilationH % s.StrideH % 31);
        for (int j = 0; j < s.KernelWidth; j++) _colPhases |= 1 << (j * s.DilationW % s.StrideW % 31);
    }

    /// <summary>Copies <paramref name="channels"/> input channels starting at x into phase planes at dst.</summary>
    public void Gather(in Conv2dShape s, float* x, int channels, float* dst) => Walk(s, x, channels, dst, toPlanes: true);

    /// <summary>The adjoint of Gather: input channels at dx = the real (unpadded) positions of the planes.</summary>
    public void ToInput(in Conv2dShape s, float* planes, int channels, float* dx) => Walk(s, dx, channels, planes, toPlanes: false);

    private void Walk(in Conv2dShape s, float* x, int channels, float* planes, bool toPlanes)
    {
        int h = s.InHeight, w = s.InWidth, sh = s.StrideH, sw = s.StrideW, pw = PW;
        int rows = PlaneLength / pw;
        if (toPlanes) VectorOps.Clear(planes, (long)channels * ChannelLength);
        for (int c = 0; c < channels; c++)
            for (int a = 0; a < sh; a++)
            {
                // Phases no tap reads stay zero (a 1x1 stride-2 convolution gathers a quarter of its input).
                if (toPlanes && (_rowPhases & (1 << (a % 31))) == 0) continue;
                var (yLo, yHi) = Conv2dShape.ValidRange(rows, sh, a - s.PadTop, h);
                for (int b = 0; b < sw; b++)
                {
                    if (toPlanes && (_colPhases & (1 << (b % 31))) == 0) continue;
                    float* plane = planes + (long)c * ChannelLength + (a * sw + b) * PlaneLength;
                    var (lo, hi) = Conv2dShape.ValidRange(pw, sw, b - s.PadLeft, w);
                    for (int y = yLo; y < yHi; y++)
                    {
                        float* p = plane + (long)y * pw;
                        float* v = x + ((long)c * h + y * sh + a - s.PadTop) * w + b - s.PadLeft;
                        if (sw == 1)
                        {
                            if (toPlanes) VectorOps.Copy(p + lo, v + lo, hi - lo);
                            else VectorOps.Copy(v + lo, p + lo, hi - lo);
                        }
                        else if (toPlanes) for (int q = lo; q < hi; q++) p[q] = v[q * sw];
                        else for (int q = lo; q < hi; q++) v[q * sw] = p[q];
                    }
                }
            }
    }

    /// <summary>Row pointers of the im2col matrix of <paramref name="channels"/> channels: rows[(c * kh + i) * kw + j].</summary>
    public void FillRows(in Conv2dShape s, float* planes, int channels, float** rows)
    {
        int r = 0;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    int dy = i * s.DilationH, dx = j * s.DilationW;
                    rows[r++] = Direct
                        ? planes + (long)c * ChannelLength + dy * s.InWidth + dx
                        : planes + (long)c * ChannelLength + (dy % s.StrideH * s.StrideW + dx % s.StrideW) * PlaneLength
                          + dy / s.StrideH * PW + dx / s.StrideW;
                }
    }

    /// <summary>y[r] = crop(ext[r]) (+ bias[r] when bias is not null) for <paramref name="count"/> rows.</summary>
    public void CropOutput(in Conv2dShape s, float* ext, int count, float* bias, float* y)
    {
        int ow = s.OutWidth, oh = s.OutHeight;
        for (int r = 0; r < count; r++)
        {
            float* dst = y + (long)r * oh * ow;
            if (!OutputIsExtended)
                for (int o = 0; o < oh; o++)
                    VectorOps.Copy(dst + (long)o * ow, ext + (long)r * Columns + (long)o * PW, ow);
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
