using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>2-d max and average pooling. Max pooling records the winner's index within its (n, c)
/// plane as a float (the contract's argmax coding; the first maximum wins ties); the backward pass is
/// a gather over the windows that cover each input element, so it needs no atomics.</summary>
public static class PoolKernels
{
    public static void Forward(Index1D i, PoolArgs p, ArrayView<float> x, ArrayView<float> y, ArrayView<float> argmax, int hasArgmax)
    {
        long r = i;
        var ow = (int)(r % p.OutW); r /= p.OutW;
        var oh = (int)(r % p.OutH);
        var plane = r / p.OutH * p.H * p.W;
        var best = 0f;
        var at = -1;
        var sum = 0f;
        for (var kh = 0; kh < p.Kh; kh++)
        {
            var ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
            if (ih < 0 || ih >= p.H) continue;
            for (var kw = 0; kw < p.Kw; kw++)
            {
                var iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                if (iw < 0 || iw >= p.W) continue;
                var v = x[plane + ih * p.W + iw];
                sum += v;
                if (at < 0 || v > best) { best = v; at = ih * p.W + iw; }
            }
        }
        if (p.Max != 0)
        {
            y[i] = at < 0 ? 0f : best;
            if (hasArgmax != 0) argmax[i] = at;
            return;
        }
        var divisor = Divisor(p, oh, ow);
        y[i] = divisor == 0 ? 0f : sum / divisor;
    }

    /// <summary>dx[e] += the gradient of every output whose window holds input e.</summary>
    public static void Backward(Index1D i, PoolArgs p, ArrayView<float> dy, ArrayView<float> argmax, ArrayView<float> dx)
    {
        long r = i;
        var w = (int)(r % p.W); r /= p.W;
        var h = (int)(r % p.H);
        var outPlane = r / p.H * p.OutH * p.OutW;
        var self = h * p.W + w;
        var sum = 0f;
        for (var kh = 0; kh < p.Kh; kh++)
        {
            var oh = ConvKernels.OutputCoordinate(h, kh, p.PadTop, p.DilationH, p.StrideH, p.OutH);
            if (oh < 0) continue;
            for (var kw = 0; kw < p.Kw; kw++)
            {
                var ow = ConvKernels.OutputCoordinate(w, kw, p.PadLeft, p.DilationW, p.StrideW, p.OutW);
                if (ow < 0) continue;
                var o = outPlane + oh * p.OutW + ow;
                if (p.Max != 0)
                {
                    if ((int)argmax[o] == self) sum += dy[o];
                }
                else sum += dy[o] / Divisor(p, oh, ow);
            }
        }
        dx[i] += sum;
    }

    /// <summary>The average's divisor: taps on real input, or with CountIncludePad every tap inside
    /// the padded extent (as PyTorch and ONNX Runtime count).</summary>
    static int Divisor(PoolArgs p, int oh, int ow)
    {
        var h0 = oh * p.StrideH - p.PadTop;
        var w0 = ow * p.StrideW - p.PadLeft;
        return p.CountIncludePad != 0
            ? Taps(h0, p.Kh, p.DilationH, -p.PadTop, p.H + p.PadBottom) * Taps(w0, p.Kw, p.DilationW, -p.PadLeft, p.W + p.PadRight)
            : Taps(h0, p.Kh, p.DilationH, 0, p.H) * Taps(w0, p.Kw, p.DilationW, 0, p.W);
    }

    /// <summary>How many of start + k * dilation (k &lt; kernel) lie in [lo, hi).</summary>
    static int Taps(int start, int kernel, int dilation, int lo, int hi)
    {
        var n = 0;
        for (var k = 0; k < kernel; k++)
        {
            var v = start + k * dilation;
            if (v >= lo && v < hi) n++;
        }
        return n;
    }
}

public struct PoolArgs
{
    public int Max, H, W, Kh, Kw, StrideH, StrideW, PadTop, PadLeft, PadBottom, PadRight, OutH, OutW, CountIncludePad, DilationH, DilationW;

    public static PoolArgs From(in PoolDesc d) => new()
    {
        Max = d.Kind == PoolKind.Max ? 1 : 0, H = d.H, W = d.W, Kh = d.Kh, Kw = d.Kw,
        StrideH = d.StrideH, StrideW = d.StrideW, PadTop = d.PadTop, PadLeft = d.PadLeft,
        PadBottom = d.PadBottom, PadRight = d.PadRight, OutH = d.OutH, OutW = d.OutW,
        CountIncludePad = d.CountIncludePad ? 1 : 0, DilationH = d.DilationH, DilationW = d.DilationW,
    };
}
