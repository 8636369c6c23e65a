using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>Direct convolution loops: each output (or gradient) element is one double sum over the
/// elements it depends on. Which input row feeds which output row through which kernel row is
/// listed once per axis (<see cref="Taps"/>), so the loops only read what they need.</summary>
public sealed partial class ReferenceKernels
{
    /// <summary>The (kernel index, input index, output index) triples of one spatial axis with
    /// input = output * stride - pad + kernel * dilation inside the input, grouped three ways.</summary>
    private sealed class Taps
    {
        /// <summary>Per output index: (kernel index, input index).</summary>
        public readonly (int K, int In)[][] ByOutput;
        /// <summary>Per input index: (kernel index, output index).</summary>
        public readonly (int K, int Out)[][] ByInput;
        /// <summary>Per kernel index: (output index, input index).</summary>
        public readonly (int Out, int In)[][] ByKernel;

        public Taps(int inSize, int outSize, int kernel, int stride, int pad, int dilation)
        {
            var all = new List<(int K, int In, int Out)>();
            for (int o = 0; o < outSize; o++)
                for (int k = 0; k < kernel; k++)
                {
                    int i = o * stride - pad + k * dilation;
                    if (i >= 0 && i < inSize) all.Add((k, i, o));
                }
            ByOutput = Enumerable.Range(0, outSize).Select(o => all.Where(t => t.Out == o).Select(t => (t.K, t.In)).ToArray()).ToArray();
            ByInput = Enumerable.Range(0, inSize).Select(i => all.Where(t => t.In == i).Select(t => (t.K, t.Out)).ToArray()).ToArray();
            ByKernel = Enumerable.Range(0, kernel).Select(k => all.Where(t => t.K == k).Select(t => (t.Out, t.In)).ToArray()).ToArray();
        }

        public static (Taps Rows, Taps Cols) Of(in ConvDesc d) =>
            (new Taps(d.H, d.OutH, d.Kh, d.StrideH, d.PadTop, d.DilationH), new Taps(d.W, d.OutW, d.Kw, d.StrideW, d.PadLeft, d.DilationW));
    }

    public void ConvForward(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y)
    {
        float[] X = D(x), Wt = D(w), Y = D(y);
        float[]? Bias = bias is null ? null : D(bias);
        var (rows, cols) = Taps.Of(d);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW, kh = d.Kh, kw = d.Kw, h = d.H, wd = d.W;
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
                            long xPlane = ((long)n * d.Cin + g * cinG + c) * h * wd;
                            long wTaps = ((long)co * cinG + c) * kh * kw;
                            foreach (var (ki, ih) in rows.ByOutput[i])
                                foreach (var (kj, iw) in cols.ByOutput[j])
                                    s += (double)X[xPlane + (long)ih * wd + iw] * Wt[wTaps + ki * kw + kj];
                        }
                        Y[(((long)n * d.Cout + co) * oh + i) * ow + j] = (float)s;
                    }
            }
    }

    public void ConvBackwardData(in ConvDesc d, IBuffer dy, IBuffer w, IBuffer dx, bool accumulate)
    {
        float[] DY = D(dy), Wt = D(w), DX = D(dx);
        var (rows, cols) = Taps.Of(d);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW, kh = d.Kh, kw = d.Kw;
        for (int n = 0; n < d.N; n++)
            for (int ci = 0; ci < d.Cin; ci++)
            {
                int g = ci / cinG, c = ci % cinG;
                for (int ih = 0; ih < d.H; ih++)
                    for (int iw = 0; iw < d.W; iw++)
                    {
                        // Every output that read this input element, through the tap that read it.
                        double s = 0;
                        for (int co = g * coutG; co < (g + 1) * coutG; co++)
                        {
                            long dyPlane = ((long)n * d.Cout + co) * oh * ow;
                            long wTaps = ((long)co * cinG + c) * kh * kw;
                            foreach (var (ki, i) in rows.ByInput[ih])
                                foreach (var (kj, j) in cols.ByInput[iw])
                                    s += (double)DY[dyPlane + (long)i * ow + j] * Wt[wTaps + ki * kw + kj];
                        }
                        long xi = (((long)n * d.Cin + ci) * d.H + ih) * d.W + iw;
                        DX[xi] = accumulate ? (float)(DX[xi] + s) : (float)s;
                    }
            }
    }

    public void ConvBackwardWeights(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer dw, IBuffer? dbias, bool accumulate)
    {
        float[] X = D(x), DY = D(dy), DW = D(dw);
        var (rows, cols) = Taps.Of(d);
        int cinG = d.Cin / d.Groups, coutG = d.Cout / d.Groups, oh = d.OutH, ow = d.OutW, h = d.H, wd = d.W;
        for (int co = 0; co < d.Cout; co++)
        {
            int g = co / coutG;
            for (int c = 0; c < cinG; c++)
                for (int ki = 0; ki < d.Kh; ki++)
                    for (int kj = 0; kj < d.Kw; kj++)
                    {
                        // Every (output, input) pair this weight multiplied.
                        double s = 0;
                        for (int n = 0; n < d.N; n++)
                        {
                            long dyPlane = ((long)n * d.Cout + co) * oh * ow;
                            long xPlane = ((long)n * d.Cin + g * cinG + c) * h * wd;
                            foreach (var (i, ih) in rows.ByKernel[ki])
                                foreach (var (j, iw) in cols.ByKernel[kj])
                                    s += (double)DY[dyPlane + (long)i * ow + j] * X[xPlane + (long)ih * wd + iw];
                        }
                        long wi = (((long)co * cinG + c) * d.Kh + ki) * d.Kw + kj;
                        DW[wi] = accumulate ? (float)(DW[wi] + s) : (float)s;
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
