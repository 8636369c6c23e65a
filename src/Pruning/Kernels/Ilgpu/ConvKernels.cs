using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Convolution kernels: im2col/col2im around the tiled GEMM for general convolutions, and
/// direct kernels for depthwise ones (one input channel per group), whose im2col GEMMs would be
/// one row deep. The column layout is [image, Cin, Kh, Kw, OutH, OutW], so the rows of group g are
/// one contiguous block.</summary>
public static class ConvKernels
{
    public static void Im2Col(Index1D i, ConvArgs p, int firstImage, ArrayView<float> x, ArrayView<float> col)
    {
        long r = i;
        var ow = (int)(r % p.OutW); r /= p.OutW;
        var oh = (int)(r % p.OutH); r /= p.OutH;
        var kw = (int)(r % p.Kw); r /= p.Kw;
        var kh = (int)(r % p.Kh); r /= p.Kh;
        var c = r % p.Cin;
        var n = firstImage + r / p.Cin;
        var ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
        var iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
        col[i] = ih >= 0 && ih < p.H && iw >= 0 && iw < p.W ? x[((n * p.Cin + c) * p.H + ih) * p.W + iw] : 0f;
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: every input element gathers the column entries
    /// it was copied to (a gather, so no atomics and a fixed summation order).</summary>
    public static void Col2Im(Index1D i, ConvArgs p, int firstImage, ArrayView<float> col, ArrayView<float> dx, int accumulate)
    {
        long r = i;
        var w = (int)(r % p.W); r /= p.W;
        var h = (int)(r % p.H); r /= p.H;
        var c = r % p.Cin;
        var n = r / p.Cin;
        var kk = p.Kh * p.Kw;
        var sum = 0f;
        for (var kh = 0; kh < p.Kh; kh++)
        {
            var oh = OutputCoordinate(h, kh, p.PadTop, p.DilationH, p.StrideH, p.OutH);
            if (oh < 0) continue;
            for (var kw = 0; kw < p.Kw; kw++)
            {
                var ow = OutputCoordinate(w, kw, p.PadLeft, p.DilationW, p.StrideW, p.OutW);
                if (ow < 0) continue;
                sum += col[(((n * p.Cin + c) * kk + kh * p.Kw + kw) * p.OutH + oh) * p.OutW + ow];
            }
        }
        var at = ((firstImage + n) * p.Cin + c) * p.H * p.W + (long)h * p.W + w;
        dx[at] = accumulate != 0 ? dx[at] + sum : sum;
    }

    public static void DepthwiseForward(Index1D i, ConvArgs p, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> bias, int hasBias, ArrayView<float> y)
    {
        long r = i;
        var ow = (int)(r % p.OutW); r /= p.OutW;
        var oh = (int)(r % p.OutH); r /= p.OutH;
        var co = r % p.Cout;
        var n = r / p.Cout;
        var ci = co / (p.Cout / p.Cin);
        var sum = hasBias != 0 ? bias[co] : 0f;
        for (var kh = 0; kh < p.Kh; kh++)
        {
            var ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
            if (ih < 0 || ih >= p.H) continue;
            for (var kw = 0; kw < p.Kw; kw++)
            {
                var iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                if (iw < 0 || iw >= p.W) continue;
                sum += x[((n * p.Cin + ci) * p.H + ih) * p.W + iw] * w[(co * p.Kh + kh) * p.Kw + kw];
            }
        }
        y[i] = sum;
    }

    public static void DepthwiseBackwardData(Index1D i, ConvArgs p, ArrayView<float> dy, ArrayView<float> w,
        ArrayView<float> dx, int accumulate)
    {
        long r = i;
        var iw = (int)(r % p.W); r /= p.W;
        var ih = (int)(r % p.H); r /= p.H;
        var c = r % p.Cin;
        var n = r / p.Cin;
        var multiplier = p.Cout / p.Cin;
        var sum = 0f;
        for (var m = 0; m < multiplier; m++)
        {
            var co = c * multiplier + m;
            for (var kh = 0; kh < p.Kh; kh++)
            {
                var oh = OutputCoordinate(ih, kh, p.PadTop, p.DilationH, p.StrideH, p.OutH);
                if (oh < 0) continue;
                for (var kw = 0; kw < p.Kw; kw++)
                {
                    var ow = OutputCoordinate(iw, kw, p.PadLeft, p.DilationW, p.StrideW, p.OutW);
                    if (ow < 0) continue;
                    sum += dy[((n * p.Cout + co) * p.OutH + oh) * p.OutW + ow] * w[(co * p.Kh + kh) * p.Kw + kw];
                }
            }
        }
        dx[i] = accumulate != 0 ? dx[i] + sum : sum;
    }

    /// <summary>The output coordinate whose window reads input coordinate <paramref name="x"/> at kernel
    /// tap <paramref name="k"/>, or -1 when none does.</summary>
    public static int OutputCoordinate(int x, int k, int pad, int dilation, int stride, int outSize)
    {
        var t = x + pad - k * dilation;
        if (t < 0 || t % stride != 0) return -1;
        var o = t / stride;
        return o < outSize ? o : -1;
    }
}

/// <summary><see cref="ConvDesc"/> as an unmanaged kernel argument, output size included.</summary>
public struct ConvArgs
{
    public int N, Cin, H, W, Cout, Kh, Kw, StrideH, StrideW, PadTop, PadLeft, DilationH, DilationW, Groups, OutH, OutW;

    public static ConvArgs From(in ConvDesc d) => new()
    {
        N = d.N, Cin = d.Cin, H = d.H, W = d.W, Cout = d.Cout, Kh = d.Kh, Kw = d.Kw,
        StrideH = d.StrideH, StrideW = d.StrideW, PadTop = d.PadTop, PadLeft = d.PadLeft,
        DilationH = d.DilationH, DilationW = d.DilationW, Groups = d.Groups, OutH = d.OutH, OutW = d.OutW,
    };
}
