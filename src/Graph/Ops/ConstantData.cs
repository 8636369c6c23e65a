namespace Spp.Graph.Ops;

/// <summary>Building folded constants from other constants by picking elements, whatever their
/// element type: the data movement that Gather, Slice, Reshape and friends fold.</summary>
public static class ConstantData
{
    /// <summary>Whether an output of <paramref name="shape"/> is small enough to fold
    /// (<see cref="ShapeInference.MaxFoldedElements"/>) and fully known.</summary>
    public static bool Foldable(Shape shape) => shape.ElementCount() is long n && n <= ShapeInference.MaxFoldedElements;

    /// <summary>Row-major strides of <paramref name="dims"/>, in elements.</summary>
    public static long[] Strides(long[] dims)
    {
        var s = new long[dims.Length];
        long acc = 1;
        for (int k = dims.Length - 1; k >= 0; k--)
        {
            s[k] = acc;
            acc *= dims[k];
        }
        return s;
    }

    /// <summary>A tensor of <paramref name="dims"/> whose element i is element
    /// <paramref name="source"/>[i] of <paramref name="src"/>; null for packed sub-byte types, whose
    /// elements cannot be copied byte-wise.</summary>
    public static Tensor? Take(Tensor src, long[] dims, IReadOnlyList<long> source)
    {
        if (src.ElementType == ElementType.String)
            return new Tensor("", dims, source.Select(i => src.StringData![i]).ToArray());
        int bits = src.ElementType.BitSize();
        if (bits == 0 || bits % 8 != 0) return null;
        int size = bits / 8;
        var data = new byte[source.Count * size];
        for (int i = 0; i < source.Count; i++)
            Array.Copy(src.RawData, source[i] * size, data, (long)i * size, size);
        return new Tensor("", src.ElementType, dims, data);
    }

    /// <summary>The same elements under new dims (Reshape, Squeeze, Unsqueeze).</summary>
    public static Tensor Reshaped(Tensor src, long[] dims) => src.ElementType == ElementType.String
        ? new Tensor("", dims, src.StringData!)
        : new Tensor("", src.ElementType, dims, src.RawData);

    /// <summary>Visits every multi-index of <paramref name="dims"/> in row-major order.</summary>
    public static IEnumerable<long[]> Indices(long[] dims)
    {
        long n = Tensor.ElementCountOf(dims);
        var idx = new long[dims.Length];
        for (long i = 0; i < n; i++)
        {
            yield return idx;
            for (int k = dims.Length - 1; k >= 0; k--)
            {
                if (++idx[k] < dims[k]) break;
                idx[k] = 0;
            }
        }
    }
}
