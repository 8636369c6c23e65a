using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// 2x2 stride-2 max pooling without padding or dilation (VGG's pooling), whose general per-window loop
/// spent more time on window bounds than on the maxima. Per output row, 16 outputs at a time: the two
/// input rows are split into even and odd columns and the four candidates are compared in window order
/// (top-left, top-right, bottom-left, bottom-right), a later one winning only when strictly greater, so
/// values and argmax (index in the plane, ih * W + iw) equal the general loop's, ties and NaNs included.
/// </summary>
internal static unsafe class MaxPool2x2
{
    public static bool Applies(in Engine.PoolDesc d) =>
        d.Kind == Engine.PoolKind.Max && d.Kh == 2 && d.Kw == 2 && d.StrideH == 2 && d.StrideW == 2
        && d.DilationH == 1 && d.DilationW == 1 && d.PadTop == 0 && d.PadLeft == 0
        && 2 * d.OutH <= d.H && 2 * d.OutW <= d.W;

    /// <summary>One (n, c) plane: y and, when not null, argmax (as floats) for its OutH x OutW outputs.</summary>
    public static void Plane(in Engine.PoolDesc d, float* x, float* y, float* argmax)
    {
        int w = d.W, ow = d.OutW;
        for (int i = 0; i < d.OutH; i++)
        {
            float* top = x + (long)2 * i * w, bottom = top + w, yo = y + (long)i * ow;
            float* ao = argmax == null ? null : argmax + (long)i * ow;
            int rowStart = 2 * i * w, j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j < ow; j += 16)
                    Sixteen(top, bottom, w, rowStart, j, Math.Min(16, ow - j), yo, ao);
            for (; j < ow; j++)
            {
                int c = 2 * j, at = rowStart + c;
                float best = top[c];
                if (top[c + 1] > best) (best, at) = (top[c + 1], rowStart + c + 1);
                if (bottom[c] > best) (best, at) = (bottom[c], rowStart + w + c);
                if (bottom[c + 1] > best) (best, at) = (bottom[c + 1], rowStart + w + c + 1);
                yo[j] = best;
                if (ao != null) ao[j] = at;
            }
        }
    }

    /// <summary>Outputs j .. j + lanes - 1 of one row (lanes at most 16; loads never pass column 2 * (j + lanes)).</summary>
    private static void Sixteen(float* top, float* bottom, int w, int rowStart, int j, int lanes, float* y, float* argmax)
    {
        int c = 2 * j, inputs = 2 * lanes;
        var t0 = Simd512.LoadPartial(top + c, Math.Min(16, inputs));
        var t1 = inputs > 16 ? Simd512.LoadPartial(top + c + 16, inputs - 16) : Vector512<float>.Zero;
        var b0 = Simd512.LoadPartial(bottom + c, Math.Min(16, inputs));
        var b1 = inputs > 16 ? Simd512.LoadPartial(bottom + c + 16, inputs - 16) : Vector512<float>.Zero;
        var best = Simd512.EvenLanes(t0, t1);
        // Index of the top-left candidate of each window, then +1, +w, +w+1 for the others.
        var at = Vector512.Create((float)(rowStart + c)) + Vector512.ConvertToSingle(Vector512<int>.Indices * 2);
        var topLeft = at;
        Take(ref best, ref at, Simd512.OddLanes(t0, t1), topLeft + Vector512.Create(1f));
        Take(ref best, ref at, Simd512.EvenLanes(b0, b1), topLeft + Vector512.Create((float)w));
        Take(ref best, ref at, Simd512.OddLanes(b0, b1), topLeft + Vector512.Create(w + 1f));
        Simd512.StorePartial(best, y + j, lanes);
        if (argmax != null) Simd512.StorePartial(at, argmax + j, lanes);
    }

    /// <summary>The candidate wins where strictly greater (a NaN never wins, as in the scalar loop).</summary>
    private static void Take(ref Vector512<float> best, ref Vector512<float> at, Vector512<float> candidate, Vector512<float> index)
    {
        var greater = Vector512.GreaterThan(candidate, best);
        best = Vector512.ConditionalSelect(greater, candidate, best);
        at = Vector512.ConditionalSelect(greater, index, at);
    }
}
