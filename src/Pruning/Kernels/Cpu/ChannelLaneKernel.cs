using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Broadcast values per <see cref="ChannelLaneKernel"/> tile (output positions forward, im2col rows for the weight
/// gradient): a compile-time constant per instantiation.
/// </summary>
internal interface IBroadcastCount
{
    static abstract int Count { get; }
}

/// <summary>6 values: the weight gradient's tile with four lane vectors (24 accumulators).</summary>
internal readonly struct SixValues : IBroadcastCount
{
    public static int Count => 6;
}

/// <summary>7 values: a 7-, 14- or 28-wide output row in whole tiles.</summary>
internal readonly struct SevenValues : IBroadcastCount
{
    public static int Count => 7;
}

/// <summary>8 values: rows whose width is a multiple of 8; the weight gradient's tile with up to three lane vectors.</summary>
internal readonly struct EightValues : IBroadcastCount
{
    public static int Count => 8;
}

/// <summary>16-lane vectors of output channels per <see cref="ChannelLaneKernel"/> tile (1 to 3).</summary>
internal interface ILaneVectors
{
    static abstract int Count { get; }
}

internal readonly struct OneLaneVector : ILaneVectors
{
    public static int Count => 1;
}

internal readonly struct TwoLaneVectors : ILaneVectors
{
    public static int Count => 2;
}

internal readonly struct ThreeLaneVectors : ILaneVectors
{
    public static int Count => 3;
}

internal readonly struct FourLaneVectors : ILaneVectors
{
    public static int Count => 4;
}

/// <summary>
/// Which ends of an output row a forward tile holds, for a 3-wide kernel with one column of padding on each side
/// (stride 1): at the left end the first position's tap in kernel column 0 reads the padding, at the right end the
/// last position's tap in kernel column 2; the tile skips those multiply-adds by zero (2 of 21 on a 7-wide row).
/// </summary>
internal interface IRowEnds
{
    static abstract bool Left { get; }
    static abstract bool Right { get; }
}

internal readonly struct NoRowEnd : IRowEnds
{
    public static bool Left => false;
    public static bool Right => false;
}

internal readonly struct LeftRowEnd : IRowEnds
{
    public static bool Left => true;
    public static bool Right => false;
}

internal readonly struct RightRowEnd : IRowEnds
{
    public static bool Left => false;
    public static bool Right => true;
}

internal readonly struct BothRowEnds : IRowEnds
{
    public static bool Left => true;
    public static bool Right => true;
}

/// <summary>
/// The register tile of <see cref="RowTileConv2d"/>, a GEMM micro-kernel with the roles of a convolution's
/// GEMM swapped: output positions are broadcast (7 or 8 consecutive values of each im2col row, read in place at
/// aRows[p] + aOffset) and output channels fill the vector lanes (16, 32 or 48 contiguous values of row p of
/// the packed weights, b + p * ldb), so a tile never computes a column the output does not have.
/// C[j, :] = sum over p of aRows[p][aOffset + j] * b[p, :], j = 0 .. positions - 1, row j of C at c + j * ldc,
/// overwritten. Every output sums p = 0 .. kc - 1 in order from zero. The broadcasts are written inside each
/// multiply-add (Vector512.Create of the value); where one value feeds two or three lane vectors the JIT shares one
/// broadcast. With one lane vector the JIT of .NET 10.0.4 emits a vbroadcastss per multiply-add (earlier builds folded
/// them in as embedded broadcasts, vfmadd231ps z, z, m32{1to16}). A variant that broadcasts each input value once for
/// the three taps of a 3-wide kernel row (9 broadcasts for 21 multiply-adds) ran faster alone but measured no faster
/// inside resnet20's 16-channel layers (2.36-2.45 ms either way, 2 threads), so the one form stays. With row ends (<see cref="IRowEnds"/>), the
/// depth runs over whole kernel rows of 3 columns (p mod 3 is the kernel column), and the taps that read the padding
/// beside the row are skipped.
/// </summary>
internal static unsafe class ChannelLaneKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TP, TV, TE>(int kc, float** aRows, nint aOffset, float* b, nint ldb, float* c, nint ldc)
        where TP : struct, IBroadcastCount where TV : struct, ILaneVectors where TE : struct, IRowEnds
    {
        bool two = TV.Count >= 2, three = TV.Count >= 3, eight = TP.Count == 8;
        int column = 0;
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int p = 0; p < kc; p++)
        {
            float* r = aRows[p] + aOffset;
            float* bp = b + p * ldb;
            var b0 = Vector512.Load(bp);
            var b1 = two ? Vector512.Load(bp + 16) : default;
            var b2 = three ? Vector512.Load(bp + 32) : default;
            bool first = !TE.Left || column != 0, last = !TE.Right || column != 2;
            if (TE.Left || TE.Right) column = column == 2 ? 0 : column + 1;
            if (first)
            {
                c00 = Vector512.FusedMultiplyAdd(Vector512.Create(r[0]), b0, c00);
                if (two) c01 = Vector512.FusedMultiplyAdd(Vector512.Create(r[0]), b1, c01);
                if (three) c02 = Vector512.FusedMultiplyAdd(Vector512.Create(r[0]), b2, c02);
            }
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(r[1]), b0, c10);
            if (two) c11 = Vector512.FusedMultiplyAdd(Vector512.Create(r[1]), b1, c11);
            if (three) c12 = Vector512.FusedMultiplyAdd(Vector512.Create(r[1]), b2, c12);
            c20 = Vector512.FusedMultiplyAdd(Vector512.Create(r[2]), b0, c20);
            if (two) c21 = Vector512.FusedMultiplyAdd(Vector512.Create(r[2]), b1, c21);
            if (three) c22 = Vector512.FusedMultiplyAdd(Vector512.Create(r[2]), b2, c22);
            c30 = Vector512.FusedMultiplyAdd(Vector512.Create(r[3]), b0, c30);
            if (two) c31 = Vector512.FusedMultiplyAdd(Vector512.Create(r[3]), b1, c31);
            if (three) c32 = Vector512.FusedMultiplyAdd(Vector512.Create(r[3]), b2, c32);
            c40 = Vector512.FusedMultiplyAdd(Vector512.Create(r[4]), b0, c40);
            if (two) c41 = Vector512.FusedMultiplyAdd(Vector512.Create(r[4]), b1, c41);
            if (three) c42 = Vector512.FusedMultiplyAdd(Vector512.Create(r[4]), b2, c42);
            c50 = Vector512.FusedMultiplyAdd(Vector512.Create(r[5]), b0, c50);
            if (two) c51 = Vector512.FusedMultiplyAdd(Vector512.Create(r[5]), b1, c51);
            if (three) c52 = Vector512.FusedMultiplyAdd(Vector512.Create(r[5]), b2, c52);
            if (eight || last)
            {
                c60 = Vector512.FusedMultiplyAdd(Vector512.Create(r[6]), b0, c60);
                if (two) c61 = Vector512.FusedMultiplyAdd(Vector512.Create(r[6]), b1, c61);
                if (three) c62 = Vector512.FusedMultiplyAdd(Vector512.Create(r[6]), b2, c62);
            }
            if (eight && last)
            {
                c70 = Vector512.FusedMultiplyAdd(Vector512.Create(r[7]), b0, c70);
                if (two) c71 = Vector512.FusedMultiplyAdd(Vector512.Create(r[7]), b1, c71);
                if (three) c72 = Vector512.FusedMultiplyAdd(Vector512.Create(r[7]), b2, c72);
            }
        }
        Store<TV>(c, c00, c01, c02);
        Store<TV>(c + ldc, c10, c11, c12);
        Store<TV>(c + 2 * ldc, c20, c21, c22);
        Store<TV>(c + 3 * ldc, c30, c31, c32);
        Store<TV>(c + 4 * ldc, c40, c41, c42);
        Store<TV>(c + 5 * ldc, c50, c51, c52);
        Store<TV>(c + 6 * ldc, c60, c61, c62);
        if (eight) Store<TV>(c + 7 * ldc, c70, c71, c72);
    }

    /// <summary>
    /// The weight-gradient tile: C[i, :] (+)= sum over images n, output rows oy in [rowLo, rowHi) and columns
    /// ox &lt; ow of aRows[i][n * imageStride + oy * pw + ox] * dyT[n * dyImageStride + (oy * ow + ox) * ldb, :],
    /// for TR rows i (im2col rows of the images' planes) and TV lane vectors of output channels (dyT: output
    /// gradients position-major). Sums in order of n, oy, ox from zero, then adds onto C when accumulating.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunWeightGradient<TR, TV>(float** aRows, nint imageStride, int images, int rowLo, int rowHi, int pw, int ow,
        float* dyT, nint dyImageStride, nint ldb, float* c, nint ldc, bool accumulate)
        where TR : struct, IBroadcastCount where TV : struct, ILaneVectors
    {
        bool two = TV.Count >= 2, three = TV.Count >= 3, four = TV.Count >= 4, eight = TR.Count == 8;
        float* r0 = aRows[0], r1 = aRows[1], r2 = aRows[2], r3 = aRows[3], r4 = aRows[4], r5 = aRows[5];
        float* r6 = eight ? aRows[6] : null, r7 = eight ? aRows[7] : null;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int n = 0; n < images; n++)
            for (int oy = rowLo; oy < rowHi; oy++)
            {
                nint o = n * imageStride + (nint)oy * pw;
                float* bp = dyT + n * dyImageStride + (nint)oy * ow * ldb;
                for (int ox = 0; ox < ow; ox++, o++, bp += ldb)
                {
                    var b0 = Vector512.Load(bp);
                    var b1 = two ? Vector512.Load(bp + 16) : default;
                    var b2 = three ? Vector512.Load(bp + 32) : default;
                    var b3 = four ? Vector512.Load(bp + 48) : default;
                    c00 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[o]), b0, c00);
                    if (two) c01 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[o]), b1, c01);
                    if (three) c02 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[o]), b2, c02);
                    if (four) c03 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[o]), b3, c03);
                    c10 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[o]), b0, c10);
                    if (two) c11 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[o]), b1, c11);
                    if (three) c12 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[o]), b2, c12);
                    if (four) c13 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[o]), b3, c13);
                    c20 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[o]), b0, c20);
                    if (two) c21 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[o]), b1, c21);
                    if (three) c22 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[o]), b2, c22);
                    if (four) c23 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[o]), b3, c23);
                    c30 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[o]), b0, c30);
                    if (two) c31 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[o]), b1, c31);
                    if (three) c32 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[o]), b2, c32);
                    if (four) c33 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[o]), b3, c33);
                    c40 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[o]), b0, c40);
                    if (two) c41 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[o]), b1, c41);
                    if (three) c42 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[o]), b2, c42);
                    if (four) c43 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[o]), b3, c43);
                    c50 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[o]), b0, c50);
                    if (two) c51 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[o]), b1, c51);
                    if (three) c52 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[o]), b2, c52);
                    if (four) c53 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[o]), b3, c53);
                    if (eight)
                    {
                        c60 = Vector512.FusedMultiplyAdd(Vector512.Create(r6[o]), b0, c60);
                        if (two) c61 = Vector512.FusedMultiplyAdd(Vector512.Create(r6[o]), b1, c61);
                        if (three) c62 = Vector512.FusedMultiplyAdd(Vector512.Create(r6[o]), b2, c62);
                        c70 = Vector512.FusedMultiplyAdd(Vector512.Create(r7[o]), b0, c70);
                        if (two) c71 = Vector512.FusedMultiplyAdd(Vector512.Create(r7[o]), b1, c71);
                        if (three) c72 = Vector512.FusedMultiplyAdd(Vector512.Create(r7[o]), b2, c72);
                    }
                }
            }
        Merge<TV>(c, c00, c01, c02, c03, accumulate);
        Merge<TV>(c + ldc, c10, c11, c12, c13, accumulate);
        Merge<TV>(c + 2 * ldc, c20, c21, c22, c23, accumulate);
        Merge<TV>(c + 3 * ldc, c30, c31, c32, c33, accumulate);
        Merge<TV>(c + 4 * ldc, c40, c41, c42, c43, accumulate);
        Merge<TV>(c + 5 * ldc, c50, c51, c52, c53, accumulate);
        if (eight)
        {
            Merge<TV>(c + 6 * ldc, c60, c61, c62, default, accumulate);
            Merge<TV>(c + 7 * ldc, c70, c71, c72, default, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge<TV>(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, bool accumulate)
        where TV : struct, ILaneVectors
    {
        if (accumulate)
        {
            x0 += Vector512.Load(c);
            if (TV.Count >= 2) x1 += Vector512.Load(c + 16);
            if (TV.Count >= 3) x2 += Vector512.Load(c + 32);
            if (TV.Count >= 4) x3 += Vector512.Load(c + 48);
        }
        x0.Store(c);
        if (TV.Count >= 2) x1.Store(c + 16);
        if (TV.Count >= 3) x2.Store(c + 32);
        if (TV.Count >= 4) x3.Store(c + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV>(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2) where TV : struct, ILaneVectors
    {
        x0.Store(c);
        if (TV.Count >= 2) x1.Store(c + 16);
        if (TV.Count >= 3) x2.Store(c + 32);
    }
}
