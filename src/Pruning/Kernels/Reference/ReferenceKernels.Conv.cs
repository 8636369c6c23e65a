using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>Direct convolution loops: each output (or gradient) element is one double sum over the
/// elements it depends on, so the index arithmetic is the whole proof.</summary>
public sealed partial class ReferenceKernels
{
    public void ConvForward(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y)
    {
        float[] X = D(x), Wt = D(w), Y = D(y);
        float[]? Bias = bias is null ? null : D(bias);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW;
        for (int n = 0; n < d.N; n++)
            for (int co = 0; co < d.Cout; co++)
            {
                int g = co / coutG;
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double s = Bias is null ? 0 : Bias[co];
                        for (int c = 0; c < cinG; c++)
                        {
                            int ci = g * cinG + c;
                            for (int kh = 0; kh < d.Kh; kh++)
                            {
                                int ih = i * d.StrideH - d.PadTop + kh * d.DilationH;
                                if (ih < 0 || ih >= d.H) continue;
                                for (int kw = 0; kw < d.Kw; kw++)
                                {
                                    int iw = j * d.StrideW - d.PadLeft + kw * d.DilationW;
                                    if (iw < 0 || iw >= d.W) continue;
                                    s += (double)X[(((long)n * d.Cin + ci) * d.H + ih) * d.W + iw] * Wt[(((long)co * cinG + c) * d.Kh + kh) * d.Kw + kw];
                                }
                            }
                        }
                        Y[(((long)n * d.Cout + co) * oh + i) * ow + j] = (float)s;
                    }
            }
    }

    public void ConvBackwardData(in ConvDesc d, IBuffer dy, IBuffer w, IBuffer dx, bool accumulate)
    {
        float[] DY = D(dy), Wt = D(w), DX = D(dx);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW;
        for (int n = 0; n < d.N; n++)
            for (int ci = 0; ci < d.Cin; ci++)
            {
                int g = ci / cinG, c = ci % cinG;
                for (int ih = 0; ih < d.H; ih++)
                    for (int iw = 0; iw < d.W; iw++)
                    {
                        // Gather: output (i, j) read input (ih, iw) through tap (kh, kw) when
                        // ih = i * stride - pad + kh * dilation for an integer i in range.
                        double s = 0;
                        for (int co = g * coutG; co < (g + 1) * coutG; co++)
                            for (int kh = 0; kh < d.Kh; kh++)
                            {
                                int th = ih + d.PadTop - kh * d.DilationH;
                                if (th < 0 || th % d.StrideH != 0 || th / d.StrideH >= oh) continue;
                                int i = th / d.StrideH;
                                for (int kw = 0; kw < d.Kw; kw++)
                                {
                                    int tw = iw + d.PadLeft - kw * d.DilationW;
                                    if (tw < 0 || tw % d.StrideW != 0 || tw / d.StrideW >= ow) continue;
                                    int j = tw / d.StrideW;
                                    s += (double)DY[(((long)n * d.Cout + co) * oh + i) * ow + j] * Wt[(((long)co * cinG + c) * d.Kh + kh) * d.Kw + kw];
                                }
                            }
                        long xi = (((long)n * d.Cin + ci) * d.H + ih) * d.W + iw;
                        DX[xi] = accumulate ? (float)(DX[xi] + s) : (float)s;
                    }
            }
    }

    public void ConvBackwardWeights(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer dw, IBuffer? dbias, bool accumulate)
    {
        float[] X = D(x), DY = D(dy), DW = D(dw);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW;
        for (int co = 0; co < d.Cout; co++)
        {
            int g = co / coutG;
            for (int c = 0; c < cinG; c++)
            {
                int ci = g * cinG + c;
                for (int kh = 0; kh < d.Kh; kh++)
                    for (int kw = 0; kw < d.Kw; kw++)
                    {
                        double s = 0;
                        for (int n = 0; n < d.N; n++)
                            for (int i = 0; i < oh; i++)
                            {
                                int ih = i * d.StrideH - d.PadTop + kh * d.DilationH;
                                if (ih < 0 || ih >= d.H) continue;
                                for (int j = 0; j < ow; j++)
                                {
                                    int iw = j * d.StrideW - d.PadLeft + kw * d.DilationW;
                                    if (iw < 0 || iw >= d.W) continue;
                                    s += (double)DY[(((long)n * d.Cout + co) * oh + i) * ow + j] * X[(((long)n * d.Cin + ci) * d.H + ih) * d.W + iw];
                                }
                            }
                        long wi = (((long)co * cinG + c) * d.Kh + kh) * d.Kw + kw;
                        DW[wi] = accumulate ? (float)(DW[wi] + s) : (float)s;
                    }
            }
        }
        if (dbias is null) return;
        float[] DB = D(dbias);
        for (int co = 0; co < d.Cout; co++)
        {
            double s = 0;
            for (int n = 0; n < d.N; n++)
                for (long e = 0; e < (long)oh * ow; e++) s += DY[((long)n * d.Cout + co) * oh * ow + e];
            DB[co] = accumulate ? (float)(DB[co] + s) : (float)s;
        }
    }
}
