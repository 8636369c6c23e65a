using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// 2-d max and average pooling, parallel over (n, c) planes: a plane's gradient is written by one thread,
/// in output order, so overlapping windows add up in a fixed order. Windows are small, so the loops are
/// scalar. Max pooling records per output the winning input's index in its plane (ih * W + iw), -1 for a
/// window over padding only; the first maximum in window order wins, as in the reference. The usual
/// 2x2 stride-2 max pooling without padding has its own vectorized loop (<see cref="MaxPool2x2"/>), and
/// global average pooling vector sums.
/// </summary>
public sealed unsafe partial class CpuKernels
{
    public void PoolForward(in PoolDesc d, IBuffer x, IBuffer y, IBuffer? argmax)
    {
        long planes = (long)d.N * d.C, plane = (long)d.H * d.W, outPlane = (long)d.OutH * d.OutW;
        nint xp = (nint)Checked(x, planes * plane), yp = (nint)Checked(y, planes * outPlane), ap = (nint)P(argmax, planes * outPlane);
        var desc = d;
        ForPlanes(d, (s, e) =>
        {
            for (long nc = s; nc < e; nc++)
                if (IsWholePlaneAverage(desc))
                    ((float*)yp)[nc] = PlaneMean((float*)xp + nc * plane, plane);
                else if (MaxPool2x2.Applies(desc))
                    MaxPool2x2.Plane(desc, (float*)xp + nc * plane, (float*)yp + nc * outPlane, ap == 0 ? null : (float*)ap + nc * outPlane);
                else PoolPlane(desc, (float*)xp + nc * plane, (float*)yp + nc * outPlane, ap == 0 ? null : (float*)ap + nc * outPlane);
        });
    }

    /// <summary>Global average pooling (one unpadded window over the plane): a plain sum forward, a vector
    /// add of dy / plane backward, where the window loops spent their time on bounds they did not need.</summary>
    private static bool IsWholePlaneAverage(in PoolDesc d) =>
        d.Kind == PoolKind.Average && d.OutH == 1 && d.OutW == 1 && d.Kh == d.H && d.Kw == d.W
        && d.DilationH == 1 && d.DilationW == 1 && d.PadTop == 0 && d.PadLeft == 0 && d.PadBottom == 0 && d.PadRight == 0;

    /// <summary>The window loop's sum in its order (one float chain), so results stay bitwise those of the
    /// window loop: a vector sum rounds differently, enough to move gradients that are zero up to rounding
    /// (a bias before BN) past the float32-resolution bounds of the PyTorch-parity tests.</summary>
    private static float PlaneMean(float* x, long n)
    {
        float sum = 0;
        for (long i = 0; i < n; i++) sum += x[i];
        return sum / n;
    }

    private static void PoolPlane(in PoolDesc d, float* x, float* y, float* argmax)
    {
        for (int i = 0; i < d.OutH; i++)
            for (int j = 0; j < d.OutW; j++)
            {
                var w = new PoolWindow(d, i, j);
                float best = 0, sum = 0;
                int at = -1;
                for (int kh = w.KhLo; kh < w.KhHi; kh++)
                {
                    int ih = i * d.StrideH - d.PadTop + kh * d.DilationH;
                    for (int kw = w.KwLo; kw < w.KwHi; kw++)
                    {
                        int iw = j * d.StrideW - d.PadLeft + kw * d.DilationW;
                        float v = x[ih * d.W + iw];
                        sum += v;
                        if (at < 0 || v > best) (best, at) = (v, ih * d.W + iw);
                    }
                }
                int o = i * d.OutW + j;
                if (d.Kind == PoolKind.Max)
                {
                    y[o] = at < 0 ? 0 : best;
                    if (argmax != null) argmax[o] = at;
                }
                else y[o] = w.Divisor == 0 ? 0 : sum / w.Divisor;
            }
    }

    public void PoolBackward(in PoolDesc d, IBuffer dy, IBuffer? argmax, IBuffer dx)
    {
        long planes = (long)d.N * d.C, plane = (long)d.H * d.W, outPlane = (long)d.OutH * d.OutW;
        if (d.Kind == PoolKind.Max && argmax is null) throw new ArgumentException("max pooling backward needs the argmax of the forward pass");
        nint dyp = (nint)Checked(dy, planes * outPlane), dxp = (nint)Checked(dx, planes * plane), ap = (nint)P(argmax, planes * outPlane);
        var desc = d;
        ForPlanes(d, (s, e) =>
        {
            for (long nc = s; nc < e; nc++)
            {
                float* g = (float*)dyp + nc * outPlane, t = (float*)dxp + nc * plane;
                if (IsWholePlaneAverage(desc)) VectorOps.AddScalar(t, g[0] / plane, (int)plane);
                else if (desc.Kind == PoolKind.Max) MaxPoolPlaneBackward(g, (float*)ap + nc * outPlane, t, outPlane, plane);
                else AveragePoolPlaneBackward(desc, g, t);
            }
        });
    }

    private static void MaxPoolPlaneBackward(float* dy, float* argmax, float* dx, long outPlane, long plane)
    {
        for (long o = 0; o < outPlane; o++)
        {
            long at = (long)argmax[o];
            if (at >= plane) throw new ArgumentException($"max pooling argmax {at} outside a plane of {plane}");
            if (at >= 0) dx[at] += dy[o];
        }
    }

    private static void AveragePoolPlaneBackward(in PoolDesc d, float* dy, float* dx)
    {
        for (int i = 0; i < d.OutH; i++)
            for (int j = 0; j < d.OutW; j++)
            {
                var w = new PoolWindow(d, i, j);
                if (w.Divisor == 0) continue;
                float share = dy[i * d.OutW + j] / w.Divisor;
                for (int kh = w.KhLo; kh < w.KhHi; kh++)
                {
                    int ih = i * d.StrideH - d.PadTop + kh * d.DilationH;
                    for (int kw = w.KwLo; kw < w.KwHi; kw++) dx[ih * d.W + j * d.StrideW - d.PadLeft + kw * d.DilationW] += share;
                }
            }
    }

    private void ForPlanes(in PoolDesc d, Action<long, long> body)
    {
        long work = Math.Max(1L, (long)d.OutH * d.OutW * d.Kh * d.Kw);
        ParallelRanges.For((long)d.N * d.C, DegreeOfParallelism, Math.Max(1, ElementGrain / work), body, align: 1);
    }

    /// <summary>The taps of output (i, j) that fall on the input, [KhLo, KhHi) x [KwLo, KwHi), and the average's
    /// divisor: with CountIncludePad every tap inside the padded extent counts, otherwise the taps on input.</summary>
    private readonly struct PoolWindow
    {
        public readonly int KhLo, KhHi, KwLo, KwHi, Divisor;

        public PoolWindow(in PoolDesc d, int i, int j)
        {
            var (rows, paddedRows) = Taps(i * d.StrideH - d.PadTop, d.Kh, d.DilationH, d.H, d.PadBottom);
            var (cols, paddedCols) = Taps(j * d.StrideW - d.PadLeft, d.Kw, d.DilationW, d.W, d.PadRight);
            (KhLo, KhHi, KwLo, KwHi) = (rows.Lo, rows.Hi, cols.Lo, cols.Hi);
            Divisor = d.CountIncludePad ? paddedRows * paddedCols : (rows.Hi - rows.Lo) * (cols.Hi - cols.Lo);
        }

        /// <summary>Along one axis from input index <paramref name="start"/>: taps [Lo, Hi) inside the input, and how
        /// many taps lie before the far padding's end (the window never starts before the near padding).</summary>
        private static ((int Lo, int Hi) Inside, int Padded) Taps(int start, int k, int dilation, int size, int padEnd)
        {
            var (lo, hi) = Conv2dShape.ValidRange(k, dilation, start, size);
            int padded = 0;
            for (int t = 0; t < k; t++) if (start + t * dilation < size + padEnd) padded++;
            return ((lo, hi), padded);
        }
    }
}
