using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Stride-1 depthwise convolution (one input channel per group) straight from the unpadded planes:
/// each output row is cut into vectors, and every kernel tap adds a masked load of the shifted input row
/// (masked lanes fall in the padding and are never read). No phase planes, no crop. Grad input is the
/// same loop over the output gradient with the kernel flipped; grad weight is per-tap dot products.
/// Small planes, whose rows fill few lanes, run in <see cref="FlatDepthwise"/>'s padded layout instead.
/// </summary>
internal static unsafe class DepthwiseConv2d
{
    public static bool Applies(in Conv2dShape s) =>
        s.GroupInChannels == 1 && s.StrideH == 1 && s.StrideW == 1 && s.GroupOutChannels < 8
        && (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated);

    public static void Forward(in Conv2dShape s, float* x, float* w, float* bias, float* y, int n)
    {
        if (Vector512.IsHardwareAccelerated ? FlatOverOutputs<Vector512<float>, Simd512>(s, x, y, w, bias, n, gradWeights: false, false)
            : FlatOverOutputs<Vector256<float>, Simd256>(s, x, y, w, bias, n, gradWeights: false, false)) return;
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        for (int co = 0; co < s.OutChannels; co++)
        {
            var plane = new Plane(x + ((long)n * s.InChannels + co / s.GroupOutChannels) * hw, s.InHeight, s.InWidth,
                y + ((long)n * s.OutChannels + co) * ohw, s.OutHeight, s.OutWidth);
            Correlate(plane, s, w + (long)co * taps, flip: false, s.PadTop, s.PadLeft, accumulate: false, bias == null ? 0f : bias[co]);
        }
    }

    /// <summary>dx[c] (+)= sum over the group's outputs of dy[co] correlated with the flipped kernel.</summary>
    public static void BackwardData(in Conv2dShape s, float* dy, float* w, float* dx, int n, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated ? FlatBackwardData<Vector512<float>, Simd512>(s, dy, w, dx, n, accumulate)
            : FlatBackwardData<Vector256<float>, Simd256>(s, dy, w, dx, n, accumulate)) return;
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        int padTop = (s.KernelHeight - 1) * s.DilationH - s.PadTop, padLeft = (s.KernelWidth - 1) * s.DilationW - s.PadLeft;
        for (int c = 0; c < s.InChannels; c++)
            for (int k = 0; k < s.GroupOutChannels; k++)
            {
                int co = c * s.GroupOutChannels + k;
                var plane = new Plane(dy + ((long)n * s.OutChannels + co) * ohw, s.OutHeight, s.OutWidth,
                    dx + ((long)n * s.InChannels + c) * hw, s.InHeight, s.InWidth);
                Correlate(plane, s, w + (long)co * taps, flip: true, padTop, padLeft, accumulate: accumulate || k > 0, 0f);
            }
    }

    /// <summary>dw[co, tap] (+)= sum over positions of dy[co] times the tap-shifted input.</summary>
    public static void BackwardWeights(in Conv2dShape s, float* x, float* dy, float* dw, int n, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated ? FlatOverOutputs<Vector512<float>, Simd512>(s, x, dy, dw, null, n, gradWeights: true, accumulate)
            : FlatOverOutputs<Vector256<float>, Simd256>(s, x, dy, dw, null, n, gradWeights: true, accumulate)) return;
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        for (int co = 0; co < s.OutChannels; co++)
        {
            var plane = new Plane(x + ((long)n * s.InChannels + co / s.GroupOutChannels) * hw, s.InHeight, s.InWidth,
                dy + ((long)n * s.OutChannels + co) * ohw, s.OutHeight, s.OutWidth);
            if (Vector512.IsHardwareAccelerated) TapDots<Vector512<float>, Simd512>(plane, s, dw + (long)co * taps, accumulate);
            else TapDots<Vector256<float>, Simd256>(plane, s, dw + (long)co * taps, accumulate);
        }
    }

    private static FlatDepthwise.Geometry ForwardGeometry(in Conv2dShape s) =>
        new(s.InHeight, s.InWidth, s.OutHeight, s.OutWidth, s.PadTop, s.PadLeft, s.KernelHeight, s.KernelWidth, s.DilationH, s.DilationW);

    /// <summary>
    /// Forward (y = the correlation) or grad weight (per-tap dot products with dy) of image n in the flat
    /// layout, each output channel over its input plane, when that pays; false otherwise (nothing done).
    /// </summary>
    private static bool FlatOverOutputs<TV, TS>(in Conv2dShape s, float* x, float* perOutput, float* weights, float* bias, int n,
        bool gradWeights, bool accumulate) where TV : struct where TS : struct, ISimd<TV>
    {
        var g = ForwardGeometry(s);
        if (!g.Pays(TS.Count)) return false;
        var ws = new FlatDepthwise.Workspace(g, TS.Count);
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        for (int co = 0; co < s.OutChannels; co++)
        {
            float* plane = x + ((long)n * s.InChannels + co / s.GroupOutChannels) * hw;
            float* output = perOutput + ((long)n * s.OutChannels + co) * ohw, wc = weights + (long)co * taps;
            if (gradWeights) FlatDepthwise.TapDots<TV, TS>(g, ws, plane, output, wc, accumulate);
            else FlatDepthwise.Correlate<TV, TS>(g, ws, plane, output, wc, accumulate: false, bias == null ? 0f : bias[co]);
        }
        return true;
    }

    /// <summary>Grad input of image n in the flat layout (the output gradient correlated with the flipped kernel), when that pays.</summary>
    private static bool FlatBackwardData<TV, TS>(in Conv2dShape s, float* dy, float* w, float* dx, int n, bool accumulate)
        where TV : struct where TS : struct, ISimd<TV>
    {
        int kh = s.KernelHeight, kw = s.KernelWidth, taps = kh * kw;
        var g = new FlatDepthwise.Geometry(s.OutHeight, s.OutWidth, s.InHeight, s.InWidth,
            (kh - 1) * s.DilationH - s.PadTop, (kw - 1) * s.DilationW - s.PadLeft, kh, kw, s.DilationH, s.DilationW);
        if (!g.Pays(TS.Count)) return false;
        var ws = new FlatDepthwise.Workspace(g, TS.Count);
        int hw = s.InHeight * s.InWidth, ohw = s.OutHeight * s.OutWidth;
        float* flipped = stackalloc float[taps];
        for (int c = 0; c < s.InChannels; c++)
            for (int k = 0; k < s.GroupOutChannels; k++)
            {
                int co = c * s.GroupOutChannels + k;
                for (int t = 0; t < taps; t++) flipped[t] = w[(long)co * taps + taps - 1 - t];
                FlatDepthwise.Correlate<TV, TS>(g, ws, dy + ((long)n * s.OutChannels + co) * ohw,
                    dx + ((long)n * s.InChannels + c) * hw, flipped, accumulate || k > 0, 0f);
            }
        return true;
    }

    /// <summary>An input-sized plane and an output-sized plane.</summary>
    private readonly struct Plane(float* input, int h, int w, float* output, int oh, int ow)
    {
        public readonly float* In = input, Out = output;
        public readonly int H = h, W = w, OH = oh, OW = ow;
    }

    private static void Correlate(in Plane p, in Conv2dShape s, float* w, bool flip, int padTop, int padLeft, bool accumulate, float bias)
    {
        if (Vector512.IsHardwareAccelerated) Correlate<Vector512<float>, Simd512>(p, s, w, flip, padTop, padLeft, accumulate, bias);
        else Correlate<Vector256<float>, Simd256>(p, s, w, flip, padTop, padLeft, accumulate, bias);
    }

    /// <summary>
    /// Out[oy, ox] (+)= bias + sum over taps of w * In[oy - padTop + i*dh, ox - padLeft + j*dw], taps in
    /// order. Four output rows at a time keep four FMA chains in flight.
    /// </summary>
    private static void Correlate<TV, TS>(in Plane p, in Conv2dShape s, float* w, bool flip, int padTop, int padLeft,
        bool accumulate, float bias) where TV : struct where TS : struct, ISimd<TV>
    {
        int kh = s.KernelHeight, kw = s.KernelWidth, dh = s.DilationH;
        float* wt = stackalloc float[kh * kw];
        for (int t = 0; t < kh * kw; t++) wt[t] = flip ? w[kh * kw - 1 - t] : w[t];
        int* off = stackalloc int[2 * kw];
        float* masks = stackalloc float[kw * TS.Count];
        for (int ob = 0; ob < p.OW; ob += TS.Count)
        {
            int lanes = Math.Min(TS.Count, p.OW - ob);
            // Per kernel column: the input offset of lane 0, whether any lane falls inside the row, and
            // the mask of those that do (0 = all lanes, no mask needed).
            for (int j = 0; j < kw; j++)
            {
                int o = ob - padLeft + j * s.DilationW;
                int from = Math.Max(0, -o), to = Math.Min(lanes, p.W - o);
                off[2 * j] = o;
                off[2 * j + 1] = from >= to ? -1 : from == 0 && to == TS.Count ? 0 : 1;
                TS.Store(TS.RangeMask(from, to), masks + j * TS.Count);
            }
            for (int oy = 0; oy < p.OH; oy += 4)
            {
                int rows = Math.Min(4, p.OH - oy);
                float* orow = p.Out + (long)oy * p.OW + ob;
                TV a0 = Init<TV, TS>(orow, lanes, accumulate, bias);
                TV a1 = rows > 1 ? Init<TV, TS>(orow + p.OW, lanes, accumulate, bias) : TS.Zero;
                TV a2 = rows > 2 ? Init<TV, TS>(orow + 2 * p.OW, lanes, accumulate, bias) : TS.Zero;
                TV a3 = rows > 3 ? Init<TV, TS>(orow + 3 * p.OW, lanes, accumulate, bias) : TS.Zero;
                for (int i = 0; i < kh; i++)
                {
                    int iy = oy - padTop + i * dh;
                    bool all = rows == 4 && iy >= 0 && iy + 3 < p.H;
                    float* irow = p.In + (long)iy * p.W;
                    for (int j = 0; j < kw; j++)
                    {
                        int kind = off[2 * j + 1];
                        if (kind < 0) continue;
                        TV wv = TS.Splat(wt[i * kw + j]);
                        TV mask = TS.Load(masks + j * TS.Count);
                        float* x = irow + off[2 * j];
                        if (all)
                        {
                            a0 = TS.Fma(wv, Row<TV, TS>(x, kind, mask), a0);
                            a1 = TS.Fma(wv, Row<TV, TS>(x + p.W, kind, mask), a1);
                            a2 = TS.Fma(wv, Row<TV, TS>(x + 2 * p.W, kind, mask), a2);
                            a3 = TS.Fma(wv, Row<TV, TS>(x + 3 * p.W, kind, mask), a3);
                            continue;
                        }
                        if ((uint)iy < (uint)p.H) a0 = TS.Fma(wv, Row<TV, TS>(x, kind, mask), a0);
                        if (rows > 1 && (uint)(iy + 1) < (uint)p.H) a1 = TS.Fma(wv, Row<TV, TS>(x + p.W, kind, mask), a1);
                        if (rows > 2 && (uint)(iy + 2) < (uint)p.H) a2 = TS.Fma(wv, Row<TV, TS>(x + 2 * p.W, kind, mask), a2);
                        if (rows > 3 && (uint)(iy + 3) < (uint)p.H) a3 = TS.Fma(wv, Row<TV, TS>(x + 3 * p.W, kind, mask), a3);
                    }
                }
                Put<TV, TS>(a0, orow, lanes);
                if (rows > 1) Put<TV, TS>(a1, orow + p.OW, lanes);
                if (rows > 2) Put<TV, TS>(a2, orow + 2 * p.OW, lanes);
                if (rows > 3) Put<TV, TS>(a3, orow + 3 * p.OW, lanes);
            }
        }
    }

    /// <summary>A full load (kind 0) or a masked one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Row<TV, TS>(float* x, int kind, TV mask) where TV : struct where TS : struct, ISimd<TV> =>
        kind == 0 ? TS.Load(x) : TS.LoadMasked(x, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Init<TV, TS>(float* o, int lanes, bool accumulate, float bias) where TV : struct where TS : struct, ISimd<TV> =>
        !accumulate ? TS.Splat(bias) : lanes == TS.Count ? TS.Load(o) : TS.LoadPartial(o, lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV, TS>(TV x, float* o, int lanes) where TV : struct where TS : struct, ISimd<TV>
    {
        if (lanes == TS.Count) TS.Store(x, o);
        else TS.StorePartial(x, o, lanes);
    }

    /// <summary>
    /// dw[tap] (+)= sum over oy, ox of Out[oy, ox] * In[oy - PadTop + i*dh, ox - PadLeft + j*dw], with
    /// four accumulators (output rows mod 4) added in a fixed order.
    /// </summary>
    private static void TapDots<TV, TS>(in Plane p, in Conv2dShape s, float* dw, bool accumulate)
        where TV : struct where TS : struct, ISimd<TV>
    {
        for (int i = 0; i < s.KernelHeight; i++)
            for (int j = 0; j < s.KernelWidth; j++)
            {
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                for (int ob = 0; ob < p.OW; ob += TS.Count)
                {
                    int o = ob - s.PadLeft + j * s.DilationW;
                    int from = Math.Max(0, -o), to = Math.Min(Math.Min(TS.Count, p.OW - ob), p.W - o);
                    if (from >= to) continue;
                    int kind = from == 0 && to == TS.Count ? 0 : 1;
                    TV mask = TS.RangeMask(from, to);
                    // Output rows whose input row exists: [yLo, yHi).
                    var (yLo, yHi) = Conv2dShape.ValidRange(p.OH, 1, i * s.DilationH - s.PadTop, p.H);
                    float* x = p.In + (long)(yLo - s.PadTop + i * s.DilationH) * p.W + o;
                    float* g = p.Out + (long)yLo * p.OW + ob;
                    int oy = yLo;
                    for (; oy + 4 <= yHi; oy += 4, x += 4 * p.W, g += 4 * p.OW)
                    {
                        a0 = TS.Fma(Row<TV, TS>(g, kind, mask), Row<TV, TS>(x, kind, mask), a0);
                        a1 = TS.Fma(Row<TV, TS>(g + p.OW, kind, mask), Row<TV, TS>(x + p.W, kind, mask), a1);
                        a2 = TS.Fma(Row<TV, TS>(g + 2 * p.OW, kind, mask), Row<TV, TS>(x + 2 * p.W, kind, mask), a2);
                        a3 = TS.Fma(Row<TV, TS>(g + 3 * p.OW, kind, mask), Row<TV, TS>(x + 3 * p.W, kind, mask), a3);
                    }
                    for (; oy < yHi; oy++, x += p.W, g += p.OW)
                        a0 = TS.Fma(Row<TV, TS>(g, kind, mask), Row<TV, TS>(x, kind, mask), a0);
                }
                float sum = TS.Sum(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)));
                dw[i * s.KernelWidth + j] = accumulate ? dw[i * s.KernelWidth + j] + sum : sum;
            }
    }
}
