namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Packs blocks of op(A) and op(B) into the micro-kernels' panel layouts, zero-padding partial panels
/// so the kernels always run full tiles. A panel of width w (MR rows of op(A), or NR columns of op(B))
/// holds, for each p of the block's depth, its w values contiguously: panel[p * w + i].
/// </summary>
internal static unsafe class SgemmPacking
{
    /// <summary>op(A)[ic..ic+mc, pc..pc+kc] as panels of <paramref name="mr"/> rows, panel q at dst + q*mr*kc.</summary>
    public static void PackA(bool transA, float* a, nint lda, int ic, int mc, int pc, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + (nint)ir * kc;
            if (transA) CopyRuns(a + pc * lda + ic + ir, lda, null, 0, kc, rows, mr, panel); // op(A)[i, p] = a[p * lda + i]
            else Transpose(a + (ic + ir) * lda + pc, lda, rows, kc, mr, panel);     // op(A)[i, p] = a[i * lda + p]
        }
    }

    /// <summary>
    /// op(B)[pc..pc+kc, jc..jc+nc] as panels of <paramref name="nr"/> columns, panel q at dst + q*nr*kc.
    /// With <paramref name="bRows"/> (not transposed only), row p of op(B) starts at bRows[p].
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, float** bRows, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + (nint)jr * kc;
            if (transB) Transpose(b + (jc + jr) * ldb + pc, ldb, cols, kc, nr, panel);    // op(B)[p, j] = b[j * ldb + p]
            else if (bRows != null) CopyRuns(null, 0, bRows + pc, jc + jr, kc, cols, nr, panel);
            else CopyRuns(b + pc * ldb + jc + jr, ldb, null, 0, kc, cols, nr, panel);     // op(B)[p, j] = b[p * ldb + j]
        }
    }

    /// <summary>
    /// <paramref name="depth"/> source runs of <paramref name="valid"/> contiguous values, run p at
    /// src + p*ld (or rows[p] + offset when rows is given), each copied to dst + p*width and
    /// zero-padded to <paramref name="width"/>.
    /// </summary>
    private static void CopyRuns(float* src, nint ld, float** rows, nint offset, int depth, int valid, int width, float* dst)
    {
        for (int p = 0; p < depth; p++)
        {
            float* s = rows != null ? rows[p] + offset : src + p * ld;
            VectorOps.Copy(dst + p * width, s, valid);
            if (valid < width) new Span<float>(dst + p * width + valid, width - valid).Clear();
        }
    }

    /// <summary>
    /// <paramref name="valid"/> source rows (stride <paramref name="ld"/>) of <paramref name="depth"/>
    /// contiguous values, row i scattered to dst[p*width + i]; rows valid..width-1 are zero.
    /// </summary>
    private static void Transpose(float* src, nint ld, int valid, int depth, int width, float* dst)
    {
        for (int i = 0; i < valid; i++)
        {
            float* s = src + i * ld;
            float* d = dst + i;
            for (int p = 0; p < depth; p++) d[p * width] = s[p];
        }
        for (int i = valid; i < width; i++)
        {
            float* d = dst + i;
            for (int p = 0; p < depth; p++) d[p * width] = 0f;
        }
    }
}
