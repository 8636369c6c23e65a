namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Stride-1 depthwise correlation of small planes in a flat padded layout. Row by row, a 7x7 plane fills
/// 7 of a vector's 16 lanes; here the plane is copied, zero-padded, into PH rows of PW columns and the
/// output is computed as OH rows of PW (columns OW.. are junk, cropped away), so every kernel tap is one
/// contiguous run and the whole output takes ceil(OH * PW / lanes) vectors (7x7, 3x3 kernel: 4 instead
/// of 7). Taps are added in the same order as <see cref="DepthwiseConv2d"/>'s row loop, onto the bias or
/// the accumulated output, so both give the same sums (taps over padding add zeros here, and are skipped
/// there).
/// </summary>
internal static unsafe class FlatDepthwise
{
    /// <summary>A correlation of an H x W input into an OH x OW output, the input at (padTop, padLeft) of the padded layout.</summary>
    public readonly struct Geometry
    {
        public readonly int H, W, OH, OW, PadTop, PadLeft, KH, KW, DH, DW;
        /// <summary>Columns of the padded input and of the extended output.</summary>
        public readonly int PW;
        /// <summary>Rows of the padded input, one more than any output reads (the last vector's junk overruns).</summary>
        public readonly int PH;

        public Geometry(int h, int w, int oh, int ow, int padTop, int padLeft, int kh, int kw, int dh, int dw)
        {
            (H, W, OH, OW, PadTop, PadLeft, KH, KW, DH, DW) = (h, w, oh, ow, padTop, padLeft, kh, kw, dh, dw);
            PW = Math.Max(w + padLeft, ow + (kw - 1) * dw);
            PH = Math.Max(h + padTop, oh + (kh - 1) * dh) + 1;
        }

        public int Extended => OH * PW;

        /// <summary>Worth it when the flat output takes at most two thirds of the row loop's vectors (and the
        /// padding is not negative, which only the row loop handles).</summary>
        public bool Pays(int lanes) =>
            PadTop >= 0 && PadLeft >= 0 && 3L * ((Extended + lanes - 1) / lanes) <= 2L * OH * ((OW + lanes - 1) / lanes);
    }

    /// <summary>
    /// Scratch for one call's planes: the padded input and the extended output, zeroed once. Each plane then
    /// overwrites only the interior of the padded input (the padding stays zero) and, for
    /// <see cref="TapDots"/>, the real columns of the extended gradient (its junk columns stay zero), so the
    /// per-plane work is the copies and the taps, not clearing and fetching scratch (which cost more than the taps).
    /// </summary>
    public readonly struct Workspace
    {
        public readonly float* Padded, Extended;

        public Workspace(in Geometry g, int lanes)
        {
            long padded = (long)g.PH * g.PW + lanes, extended = (long)(g.Extended + lanes - 1) / lanes * lanes;
            Padded = ThreadScratch.Get(ScratchSlot.ConvPlanes, padded);
            Extended = ThreadScratch.Get(ScratchSlot.ConvExtended, extended);
            new Span<float>(Padded, (int)padded).Clear();
            new Span<float>(Extended, (int)extended).Clear();
        }
    }

    /// <summary>output (+)= bias + sum over taps t (in order) of taps[t] * shifted input.</summary>
    public static void Correlate<TV, TS>(in Geometry g, in Workspace ws, float* input, float* output, float* taps, bool accumulate, float bias)
        where TV : struct where TS : struct, ISimd<TV>
    {
        int lanes = TS.Count, vectors = (g.Extended + lanes - 1) / lanes;
        Pad(g, ws.Padded, input);
        float* ext = ws.Extended;
        // Accumulating starts from the output in the extended layout (junk columns hold leftovers, cropped away).
        if (accumulate)
            for (int r = 0; r < g.OH; r++) VectorOps.Copy(ext + r * g.PW, output + (long)r * g.OW, g.OW);
        int count = g.KH * g.KW;
        int* offsets = stackalloc int[count];
        Offsets(g, offsets);
        for (int v = 0; v < vectors; v++)
        {
            float* at = ws.Padded + v * lanes;
            TV acc = accumulate ? TS.Load(ext + v * lanes) : TS.Splat(bias);
            for (int t = 0; t < count; t++) acc = TS.Fma(TS.Splat(taps[t]), TS.Load(at + offsets[t]), acc);
            TS.Store(acc, ext + v * lanes);
        }
        for (int r = 0; r < g.OH; r++) VectorOps.Copy(output + (long)r * g.OW, ext + r * g.PW, g.OW);
    }

    /// <summary>dw[t] (+)= sum over outputs of dy times the input under tap t; four taps per pass over the plane.</summary>
    public static void TapDots<TV, TS>(in Geometry g, in Workspace ws, float* input, float* dy, float* dw, bool accumulate)
        where TV : struct where TS : struct, ISimd<TV>
    {
        int lanes = TS.Count, vectors = (g.Extended + lanes - 1) / lanes;
        Pad(g, ws.Padded, input);
        float* ext = ws.Extended;
        for (int r = 0; r < g.OH; r++) VectorOps.Copy(ext + r * g.PW, dy + (long)r * g.OW, g.OW);
        int count = g.KH * g.KW;
        // Taps past the last read tap 0's run again; their sums are dropped.
        int* offsets = stackalloc int[count + 3];
        Offsets(g, offsets);
        offsets[count] = offsets[count + 1] = offsets[count + 2] = 0;
        for (int t0 = 0; t0 < count; t0 += 4)
        {
            TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
            for (int v = 0; v < vectors; v++)
            {
                TV e = TS.Load(ext + v * lanes);
                float* at = ws.Padded + v * lanes;
                a0 = TS.Fma(e, TS.Load(at + offsets[t0]), a0);
                a1 = TS.Fma(e, TS.Load(at + offsets[t0 + 1]), a1);
                a2 = TS.Fma(e, TS.Load(at + offsets[t0 + 2]), a2);
                a3 = TS.Fma(e, TS.Load(at + offsets[t0 + 3]), a3);
            }
            Put(dw, t0, count, TS.Sum(a0), accumulate);
            Put(dw, t0 + 1, count, TS.Sum(a1), accumulate);
            Put(dw, t0 + 2, count, TS.Sum(a2), accumulate);
            Put(dw, t0 + 3, count, TS.Sum(a3), accumulate);
        }
    }

    private static void Put(float* dw, int t, int count, float sum, bool accumulate)
    {
        if (t < count) dw[t] = accumulate ? dw[t] + sum : sum;
    }

    private static void Offsets(in Geometry g, int* offsets)
    {
        for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++) offsets[i * g.KW + j] = i * g.DH * g.PW + j * g.DW;
    }

    /// <summary>The input's rows into the interior of the padded layout (whose padding is zero).</summary>
    private static void Pad(in Geometry g, float* padded, float* input)
    {
        int cols = Math.Min(g.W, g.PW - g.PadLeft);
        for (int r = 0; r < g.H; r++)
            VectorOps.Copy(padded + (long)(r + g.PadTop) * g.PW + g.PadLeft, input + (long)r * g.W, cols);
    }
}
