namespace Spp.Pruning.Kernels.Reference;

/// <summary>Row-major index arithmetic shared by the reference loops.</summary>
internal static class Strides
{
    public static long Count(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

    /// <summary>Row-major strides of <paramref name="shape"/>, with 0 on size-1 axes so that the
    /// same element is read for every index of a broadcast axis.</summary>
    public static long[] Broadcast(int[] shape)
    {
        var s = new long[shape.Length];
        long step = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            s[k] = shape[k] == 1 ? 0 : step;
            step *= shape[k];
        }
        return s;
    }

    /// <summary>The offset sum(i_k * strides_k) of the row-major flat index <paramref name="flat"/> of <paramref name="shape"/>.</summary>
    public static long Offset(long flat, int[] shape, long[] strides)
    {
        long off = 0;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            long i = flat % shape[k];
            flat /= shape[k];
            off += i * strides[k];
        }
        return off;
    }
}
