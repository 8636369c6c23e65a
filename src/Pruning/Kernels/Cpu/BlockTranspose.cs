using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// 16 x 16 float block transposes on AVX-512 (unpack, then 128-bit lane shuffles: 64 shuffles for 256 values),
/// for layouts that swap channels and positions (<see cref="RowTileConv2d"/>): scalar strided copies cost 7-13% of
/// a small-map convolution.
/// </summary>
internal static unsafe class BlockTranspose
{
    /// <summary>
    /// dst[j * ldDst + i] = src[i * ldSrc + j] (+ bias[j] when bias is not null; added onto dst when accumulating)
    /// for j &lt; <paramref name="dstRows"/> and i &lt; <paramref name="dstColumns"/>. Source rows from
    /// <paramref name="rows"/> on read as zero, and so do source columns from <paramref name="columns"/> on.
    /// </summary>
    public static void Block(float* src, nint ldSrc, int rows, int columns, float* dst, nint ldDst, int dstRows, int dstColumns,
        float* bias = null, bool accumulate = false)
    {
        var r0 = Row(src, ldSrc, 0, rows, columns); var r1 = Row(src, ldSrc, 1, rows, columns);
        var r2 = Row(src, ldSrc, 2, rows, columns); var r3 = Row(src, ldSrc, 3, rows, columns);
        var r4 = Row(src, ldSrc, 4, rows, columns); var r5 = Row(src, ldSrc, 5, rows, columns);
        var r6 = Row(src, ldSrc, 6, rows, columns); var r7 = Row(src, ldSrc, 7, rows, columns);
        var r8 = Row(src, ldSrc, 8, rows, columns); var r9 = Row(src, ldSrc, 9, rows, columns);
        var r10 = Row(src, ldSrc, 10, rows, columns); var r11 = Row(src, ldSrc, 11, rows, columns);
        var r12 = Row(src, ldSrc, 12, rows, columns); var r13 = Row(src, ldSrc, 13, rows, columns);
        var r14 = Row(src, ldSrc, 14, rows, columns); var r15 = Row(src, ldSrc, 15, rows, columns);

        // Pairs of rows interleaved (within 128-bit lanes), then pairs of those as 64-bit values.
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9);
        var t10 = Avx512F.UnpackLow(r10, r11); var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13); var t13 = Avx512F.UnpackHigh(r12, r13);
        var t14 = Avx512F.UnpackLow(r14, r15); var t15 = Avx512F.UnpackHigh(r14, r15);
        r0 = LowPairs(t0, t2); r1 = HighPairs(t0, t2); r2 = LowPairs(t1, t3); r3 = HighPairs(t1, t3);
        r4 = LowPairs(t4, t6); r5 = HighPairs(t4, t6); r6 = LowPairs(t5, t7); r7 = HighPairs(t5, t7);
        r8 = LowPairs(t8, t10); r9 = HighPairs(t8, t10); r10 = LowPairs(t9, t11); r11 = HighPairs(t9, t11);
        r12 = LowPairs(t12, t14); r13 = HighPairs(t12, t14); r14 = LowPairs(t13, t15); r15 = HighPairs(t13, t15);

        // 128-bit lanes gathered across the four groups of four rows.
        const byte Even = 0b10_00_10_00, Odd = 0b11_01_11_01;
        t0 = Avx512F.Shuffle4x128(r0, r4, Even); t1 = Avx512F.Shuffle4x128(r1, r5, Even);
        t2 = Avx512F.Shuffle4x128(r2, r6, Even); t3 = Avx512F.Shuffle4x128(r3, r7, Even);
        t4 = Avx512F.Shuffle4x128(r0, r4, Odd); t5 = Avx512F.Shuffle4x128(r1, r5, Odd);
        t6 = Avx512F.Shuffle4x128(r2, r6, Odd); t7 = Avx512F.Shuffle4x128(r3, r7, Odd);
        t8 = Avx512F.Shuffle4x128(r8, r12, Even); t9 = Avx512F.Shuffle4x128(r9, r13, Even);
        t10 = Avx512F.Shuffle4x128(r10, r14, Even); t11 = Avx512F.Shuffle4x128(r11, r15, Even);
        t12 = Avx512F.Shuffle4x128(r8, r12, Odd); t13 = Avx512F.Shuffle4x128(r9, r13, Odd);
        t14 = Avx512F.Shuffle4x128(r10, r14, Odd); t15 = Avx512F.Shuffle4x128(r11, r15, Odd);

        Store(Avx512F.Shuffle4x128(t0, t8, Even), 0, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t1, t9, Even), 1, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t2, t10, Even), 2, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t3, t11, Even), 3, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t4, t12, Even), 4, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t5, t13, Even), 5, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t6, t14, Even), 6, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t7, t15, Even), 7, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t0, t8, Odd), 8, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t1, t9, Odd), 9, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t2, t10, Odd), 10, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t3, t11, Odd), 11, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t4, t12, Odd), 12, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t5, t13, Odd), 13, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t6, t14, Odd), 14, dst, ldDst, dstRows, dstColumns, bias, accumulate);
        Store(Avx512F.Shuffle4x128(t7, t15, Odd), 15, dst, ldDst, dstRows, dstColumns, bias, accumulate);
    }

    /// <summary>
    /// dst[q * lanes + c] = src[c * positions + q] for one NCHW image of <paramref name="channels"/> planes of
    /// <paramref name="positions"/> values, lanes past the channels zero. Channel blocks outermost: each block's
    /// transposes stream 16 planes (all channels at once would be as many streams as channels, which the hardware
    /// prefetchers do not follow: 96 channels of 28x28 ran 5x slower that way).
    /// </summary>
    public static void ToPositionMajor(float* src, int channels, int positions, float* dst, int lanes)
    {
        for (int c = 0; c < lanes; c += 16)
            for (int q = 0; q < positions; q += 16)
                Block(src + (long)c * positions + q, positions, Math.Clamp(channels - c, 0, 16), Math.Min(16, positions - q),
                    dst + (long)q * lanes + c, lanes, Math.Min(16, positions - q), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* src, nint ld, int i, int rows, int columns) =>
        i >= rows ? Vector512<float>.Zero
        : columns >= 16 ? Vector512.Load(src + i * ld)
        : Simd512.LoadPartial(src + i * ld, columns);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LowPairs(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HighPairs(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> column, int j, float* dst, nint ld, int rows, int columns, float* bias, bool accumulate)
    {
        if (j >= rows) return;
        float* d = dst + j * ld;
        if (bias != null) column += Vector512.Create(bias[j]);
        if (columns >= 16)
        {
            if (accumulate) column += Vector512.Load(d);
            column.Store(d);
        }
        else
        {
            if (accumulate) column += Simd512.LoadPartial(d, columns);
            Simd512.StorePartial(column, d, columns);
        }
    }
}
