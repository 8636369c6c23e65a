namespace Spp.Graph.Channels;

/// <summary>Byte-level slicing and zeroing of constant tensors along axes (any element type of
/// at least one byte).</summary>
public static class TensorSlicing
{
    /// <summary>A new tensor keeping, for each listed axis, only the given sorted indices.</summary>
    public static Tensor Keep(Tensor t, IReadOnlyDictionary<int, long[]> keep)
    {
        int elem = ElementSize(t);
        var dims = t.Dims;
        var newDims = dims.Select((d, a) => keep.TryGetValue(a, out var k) ? k.LongLength : d).ToArray();
        var src = t.RawData;
        var dst = new byte[Tensor.ElementCountOf(newDims) * elem];
        // Map each new index to the old one per axis, then copy row by row over the last axis.
        var maps = newDims.Select((n, a) => keep.TryGetValue(a, out var k) ? k : Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray()).ToArray();
        int rank = dims.Length;
        if (rank == 0) return t.WithData(newDims, (byte[])src.Clone());
        var oldStrides = Strides(dims);
        long outer = Tensor.ElementCountOf(newDims[..^1]);
        long last = newDims[^1];
        var idx = new long[rank - 1];
        long pos = 0;
        for (long o = 0; o < outer; o++)
        {
            long baseOld = 0;
            for (int a = 0; a < rank - 1; a++) baseOld += maps[a][idx[a]] * oldStrides[a];
            var lastMap = maps[rank - 1];
            for (long j = 0; j < last; j++)
            {
                Buffer.BlockCopy(src, (int)((baseOld + lastMap[j]) * elem), dst, (int)(pos * elem), elem);
                pos++;
            }
            for (int a = rank - 2; a >= 0; a--)
            {
                if (++idx[a] < newDims[a]) break;
                idx[a] = 0;
            }
        }
        return t.WithData(newDims, dst);
    }

    /// <summary>A copy of the tensor with the given indices of one axis set to zero.</summary>
    public static Tensor Zero(Tensor t, int axis, IReadOnlyCollection<long> indices)
    {
        int elem = ElementSize(t);
        var data = (byte[])t.RawData.Clone();
        var strides = Strides(t.Dims);
        long outer = Tensor.ElementCountOf(t.Dims[..axis]);
        long inner = strides[axis];
        foreach (long i in indices)
            for (long o = 0; o < outer; o++)
            {
                long start = (o * t.Dims[axis] + i) * inner;
                Array.Clear(data, (int)(start * elem), (int)(inner * elem));
            }
        return t.WithData(t.Dims, data);
    }

    private static int ElementSize(Tensor t)
    {
        int bits = t.ElementType.BitSize();
        if (bits < 8 || t.ElementType == ElementType.String)
            throw new NotSupportedException($"tensor '{t.Name}': slicing {t.ElementType} tensors is not supported");
        return bits / 8;
    }

    private static long[] Strides(long[] dims)
    {
        var s = new long[dims.Length];
        long acc = 1;
        for (int a = dims.Length - 1; a >= 0; a--)
        {
            s[a] = acc;
            acc *= dims[a];
        }
        return s;
    }
}
