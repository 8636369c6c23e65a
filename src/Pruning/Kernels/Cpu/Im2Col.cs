namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// im2col and col2im for one image and one group: the column matrix has PatchSize rows, row
/// (c * KernelHeight + i) * KernelWidth + j, and OutHeight * OutWidth columns; entry (r, oh * OutWidth + ow)
/// is x[c, oh * StrideH - PadTop + i * DilationH, ow * StrideW - PadLeft + j * DilationW], zero outside.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Fills <paramref name="col"/> from the group's channels starting at <paramref name="x"/>.</summary>
    public static void Gather(in Conv2dShape s, float* x, float* col) => Walk(s, x, col, scatter: false);

    /// <summary>Adds <paramref name="col"/> back into the group's channels at <paramref name="dx"/> (the adjoint of Gather).</summary>
    public static void Scatter(in Conv2dShape s, float* col, float* dx) => Walk(s, dx, col, scatter: true);

    private static void Walk(in Conv2dShape s, float* x, float* col, bool scatter)
    {
        int oh = s.OutHeight, ow = s.OutWidth, h = s.InHeight, w = s.InWidth, sw = s.StrideW;
        for (int c = 0; c < s.GroupInChannels; c++)
        {
            float* plane = x + (long)c * h * w;
            for (int i = 0; i < s.KernelHeight; i++)
            {
                var (yLo, yHi) = Conv2dShape.ValidRange(oh, s.StrideH, i * s.DilationH - s.PadTop, h);
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    int xOff = j * s.DilationW - s.PadLeft;
                    var (lo, hi) = Conv2dShape.ValidRange(ow, sw, xOff, w);
                    float* row = col + (long)((c * s.KernelHeight + i) * s.KernelWidth + j) * oh * ow;
                    if (!scatter)
                    {
                        VectorOps.Clear(row, (long)yLo * ow);
                        VectorOps.Clear(row + (long)yHi * ow, (long)(oh - yHi) * ow);
                    }
                    for (int y = yLo; y < yHi; y++)
                    {
                        float* r = row + (long)y * ow;
                        float* v = plane + (long)(y * s.StrideH + i * s.DilationH - s.PadTop) * w + xOff;
                        if (scatter)
                        {
                            if (sw == 1) VectorOps.Add(v + lo, r + lo, hi - lo);
                            else for (int o = lo; o < hi; o++) v[o * sw] += r[o];
                            continue;
                        }
                        for (int o = 0; o < lo; o++) r[o] = 0f;
                        if (sw == 1) new ReadOnlySpan<float>(v + lo, hi - lo).CopyTo(new Span<float>(r + lo, hi - lo));
                        else for (int o = lo; o < hi; o++) r[o] = v[o * sw];
                        for (int o = hi; o < ow; o++) r[o] = 0f;
                    }
                }
            }
        }
    }
}
