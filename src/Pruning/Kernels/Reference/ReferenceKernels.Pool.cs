using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>Pooling by direct window loops. Max pooling records, per output, the winning input's
/// index within its (n, c) plane (ih * W + iw), which a float holds exactly for any plane of up to
/// 2^24 elements; -1 when the window saw no input element.</summary>
public sealed partial class ReferenceKernels
{
    public void PoolForward(in PoolDesc d, IBuffer x, IBuffer y, IBuffer? argmax)
    {
        float[] X = D(x), Y = D(y);
        float[]? AM = argmax is null ? null : D(argmax);
        long plane = (long)d.H * d.W, outPlane = (long)d.OutH * d.OutW;
        for (long nc = 0; nc < (long)d.N * d.C; nc++)
            for (int i = 0; i < d.OutH; i++)
                for (int j = 0; j < d.OutW; j++)
                {
                    long o = nc * outPlane + (long)i * d.OutW + j;
                    var w = Window(d, i, j);
                    if (d.Kind == PoolKind.Max)
                    {
                        float best = float.NegativeInfinity;
                        long at = -1;
                        foreach (var (ih, iw) in w.Taps)
                        {
                            float v = X[nc * plane + (long)ih * d.W + iw];
                            if (at < 0 || v > best) { best = v; at = (long)ih * d.W + iw; }
                        }
                        Y[o] = at < 0 ? 0 : best;
                        if (AM is not null) AM[o] = at;
                    }
                    else
                    {
                        double s = 0;
                        foreach (var (ih, iw) in w.Taps) s += X[nc * plane + (long)ih * d.W + iw];
                        Y[o] = w.Divisor == 0 ? 0 : (float)(s / w.Divisor);
                    }
                }
    }

    public void PoolBackward(in PoolDesc d, IBuffer dy, IBuffer? argmax, IBuffer dx)
    {
        float[] DY = D(dy), DX = D(dx);
        long plane = (long)d.H * d.W, outPlane = (long)d.OutH * d.OutW;
        var acc = new double[DX.Length];
        for (long nc = 0; nc < (long)d.N * d.C; nc++)
            for (int i = 0; i < d.OutH; i++)
                for (int j = 0; j < d.OutW; j++)
                {
                    long o = nc * outPlane + (long)i * d.OutW + j;
                    if (d.Kind == PoolKind.Max)
                    {
                        long at = (long)D(argmax ?? throw new ArgumentException("max pooling backward needs the argmax of the forward pass"))[o];
                        if (at >= 0) acc[nc * plane + at] += DY[o];
                        continue;
                    }
                    var w = Window(d, i, j);
                    if (w.Divisor == 0) continue;
                    foreach (var (ih, iw) in w.Taps) acc[nc * plane + (long)ih * d.W + iw] += DY[o] / (double)w.Divisor;
                }
        AddInto(DX, acc);
    }

    /// <summary>The in-range input taps of output (i, j) and the average's divisor: with
    /// CountIncludePad every tap inside the padded extent counts (as PyTorch and ONNX Runtime do),
    /// otherwise only taps on real input.</summary>
    private static (List<(int, int)> Taps, int Divisor) Window(in PoolDesc d, int i, int j)
    {
        var taps = new List<(int, int)>();
        int padded = 0;
        for (int kh = 0; kh < d.Kh; kh++)
        {
            int ih = i * d.StrideH - d.PadTop + kh * d.DilationH;
            for (int kw = 0; kw < d.Kw; kw++)
            {
                int iw = j * d.StrideW - d.PadLeft + kw * d.DilationW;
                if (ih < d.H + d.PadBottom && iw < d.W + d.PadRight) padded++;
                if (ih >= 0 && ih < d.H && iw >= 0 && iw < d.W) taps.Add((ih, iw));
            }
        }
        return (taps, d.CountIncludePad ? padded : taps.Count);
    }
}
