namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>A shape of at most six dims, padded with leading 1s, passed by value into kernels.
/// Plain fields rather than an array or a fixed buffer: kernels take no managed arrays, and plain
/// fields compile on every ILGPU backend.</summary>
public struct Dims6
{
    public long D0, D1, D2, D3, D4, D5;

    public static Dims6 From(ReadOnlySpan<int> shape)
    {
        Span<long> d = stackalloc long[6];
        Pad(shape, d);
        return new Dims6 { D0 = d[0], D1 = d[1], D2 = d[2], D3 = d[3], D4 = d[4], D5 = d[5] };
    }

    /// <summary>Right-aligns <paramref name="shape"/> into six dims, leading ones first.</summary>
    public static void Pad(ReadOnlySpan<int> shape, Span<long> six)
    {
        if (shape.Length > 6) throw new ArgumentException($"rank {shape.Length} exceeds the ILGPU backend's limit of 6");
        six.Fill(1);
        for (var k = 0; k < shape.Length; k++) six[6 - shape.Length + k] = shape[k];
    }

    public readonly long Count => D0 * D1 * D2 * D3 * D4 * D5;

    /// <summary>The coordinates of row-major linear index <paramref name="e"/>.</summary>
    public readonly Coords6 Split(long e)
    {
        var c = new Coords6();
        c.C5 = e % D5; e /= D5;
        c.C4 = e % D4; e /= D4;
        c.C3 = e % D3; e /= D3;
        c.C2 = e % D2; e /= D2;
        c.C1 = e % D1; e /= D1;
        c.C0 = e;
        return c;
    }
}

/// <summary>Coordinates into a <see cref="Dims6"/>.</summary>
public struct Coords6
{
    public long C0, C1, C2, C3, C4, C5;
}

/// <summary>Element strides for the six dims of a <see cref="Dims6"/> (0 broadcasts a dim).</summary>
public struct Strides6
{
    public long S0, S1, S2, S3, S4, S5;

    public static Strides6 From(ReadOnlySpan<long> strides)
    {
        Span<long> s = stackalloc long[6];
        s.Clear();
        for (var k = 0; k < strides.Length; k++) s[6 - strides.Length + k] = strides[k];
        return new Strides6 { S0 = s[0], S1 = s[1], S2 = s[2], S3 = s[3], S4 = s[4], S5 = s[5] };
    }

    /// <summary>Row-major strides of <paramref name="shape"/> read through <paramref name="outShape"/>:
    /// dims of size 1 where the output is larger get stride 0 (broadcast).</summary>
    public static Strides6 Broadcast(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        Span<long> s = stackalloc long[shape.Length];
        long stride = 1;
        for (var k = shape.Length - 1; k >= 0; k--)
        {
            s[k] = shape[k] == 1 && outShape[k] != 1 ? 0 : stride;
            stride *= shape[k];
        }
        return From(s);
    }

    public readonly long Offset(in Coords6 c) =>
        c.C0 * S0 + c.C1 * S1 + c.C2 * S2 + c.C3 * S3 + c.C4 * S4 + c.C5 * S5;
}
