using Spp.Graph;

namespace Spp.Graph.Tests;

public class TensorTests
{
    /// <summary>Values every type can hold exactly, with the little-endian bytes of the first two.</summary>
    public static TheoryData<ElementType, double[], byte[]> Exact() => new()
    {
        { ElementType.Float, [1.5, -2, 0.25], [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0] },
        { ElementType.Double, [1.5, -2, 1e300], [0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0] },
        { ElementType.Float16, [1.5, -2, 65504], [0x00, 0x3E, 0x00, 0xC0] },
        { ElementType.BFloat16, [1.5, -2, 1], [0xC0, 0x3F, 0x00, 0xC0] },
        { ElementType.Int8, [-128, 127, 0], [0x80, 0x7F] },
        { ElementType.UInt8, [255, 0, 7], [0xFF, 0] },
        { ElementType.Bool, [1, 0, 1], [1, 0] },
        { ElementType.Int16, [-2, 300, short.MinValue], [0xFE, 0xFF, 0x2C, 0x01] },
        { ElementType.UInt16, [65535, 1, 0], [0xFF, 0xFF, 1, 0] },
        { ElementType.Int32, [-1, int.MaxValue, int.MinValue], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] },
        { ElementType.UInt32, [uint.MaxValue, 3, 0], [0xFF, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0] },
        { ElementType.Int64, [-3, 1L << 53, 0], [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x20, 0] },
        { ElementType.UInt64, [1L << 53, 2, 0], [0, 0, 0, 0, 0, 0, 0x20, 0, 2, 0, 0, 0, 0, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(Exact))]
    public void FromDoublesAndToDoublesRoundTrip(ElementType type, double[] values, byte[] firstTwo)
    {
        var t = Tensor.FromDoubles("t", type, [values.Length], values);
        Assert.Equal(type, t.ElementType);
        Assert.Equal(type.ByteSize(values.Length), t.RawData.LongLength);
        Assert.Equal(firstTwo, t.RawData[..firstTwo.Length]);
        Assert.Equal(values, t.ToDoubles());
        Assert.Equal(values.Select(v => (float)v), t.ToFloats());
    }

    [Theory]
    [MemberData(nameof(Exact))]
    public void ToDoublesReadsRawBytes(ElementType type, double[] values, byte[] firstTwo)
    {
        var t = new Tensor("t", type, [2], firstTwo);
        Assert.Equal(values[..2], t.ToDoubles());
    }

    [Fact]
    public void ToInt64sIsExactForWideIntegers()
    {
        Assert.Equal([long.MinValue, long.MaxValue], Tensor.FromInt64s("t", [2], [long.MinValue, long.MaxValue]).ToInt64s());
        Assert.Equal([-7, int.MaxValue], Tensor.FromInt32s("t", [2], [-7, int.MaxValue]).ToInt64s());
        Assert.Equal([-2, 3], Tensor.FromDoubles("t", ElementType.Int8, [2], [-2, 3]).ToInt64s());
    }

    [Fact]
    public void FloatConversionsRoundToTheNearestValue()
    {
        Assert.Equal([0.1f], Tensor.FromDoubles("t", ElementType.Float, [1], [0.1]).ToFloats());
        Assert.Equal([(double)(Half)0.1], Tensor.FromDoubles("t", ElementType.Float16, [1], [0.1]).ToDoubles());
        // bfloat16 keeps 8 significant bits: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and rounds
        // to even (1); 1 + 3*2^-9 rounds up.
        Assert.Equal([1.0, 1 + 1.0 / 128], Tensor.FromDoubles("t", ElementType.BFloat16, [2], [1 + 1.0 / 256, 1 + 3.0 / 512]).ToDoubles());
        Assert.True(double.IsNaN(Tensor.FromDoubles("t", ElementType.BFloat16, [1], [double.NaN]).ToDoubles()[0]));
    }

    [Theory]
    [InlineData(ElementType.Int4, 4)]
    [InlineData(ElementType.UInt4, 4)]
    [InlineData(ElementType.Float4E2M1, 4)]
    [InlineData(ElementType.Float8E4M3FN, 8)]
    [InlineData(ElementType.Bool, 8)]
    [InlineData(ElementType.Float16, 16)]
    [InlineData(ElementType.Complex64, 64)]
    [InlineData(ElementType.Complex128, 128)]
    [InlineData(ElementType.String, 0)]
    public void BitSizes(ElementType type, int bits) => Assert.Equal(bits, type.BitSize());

    [Fact]
    public void SubByteTypesPackTwoElementsPerByte()
    {
        Assert.Equal(0, ElementType.Int4.ByteSize(0));
        Assert.Equal(1, ElementType.Int4.ByteSize(1));
        Assert.Equal(1, ElementType.UInt4.ByteSize(2));
        Assert.Equal(2, ElementType.Int4.ByteSize(3));
        Assert.Equal(3, ElementType.Float4E2M1.ByteSize(6));
        var t = new Tensor("q", ElementType.Int4, [3], [0x21, 0x0F]);
        Assert.Equal(2, t.ByteSize);
        Assert.Throws<ArgumentException>(() => new Tensor("q", ElementType.Int4, [3], [0x21]));
        Assert.Throws<ArgumentException>(() => new Tensor("q", ElementType.Int4, [3], [0x21, 0, 0]));
    }

    [Fact]
    public void ElementCounts()
    {
        Assert.Equal(1, Tensor.ElementCountOf([]));
        Assert.Equal(0, Tensor.ElementCountOf([3, 0, 2]));
        Assert.Equal(24, Tensor.ElementCountOf([2, 3, 4]));
        var scalar = Tensor.FromFloats("s", [], [4f]);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(Shape.Scalar, scalar.Shape);
    }

    [Fact]
    public void WrongDataSizeAndNonNumericTypesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Tensor("t", ElementType.Float, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => new Tensor("t", ElementType.String, [1], new byte[1]));
        Assert.Throws<ArgumentException>(() => new Tensor("t", [2], ["a"u8.ToArray()]));
        var s = new Tensor("s", [1], ["a"u8.ToArray()]);
        Assert.Throws<NotSupportedException>(() => s.ToDoubles());
        Assert.Throws<NotSupportedException>(() => Tensor.FromDoubles("t", ElementType.String, [1], [1]));
        Assert.Throws<NotSupportedException>(() => new Tensor("c", ElementType.Complex64, [1], new byte[8]).ToDoubles());
    }

    [Fact]
    public void FloatSpanIsAViewOfFloatData()
    {
        var t = Tensor.FromFloats("t", [2], [1f, 2f]);
        t.FloatSpan[1] = 5f;
        Assert.Equal([1f, 5f], t.ToFloats());
        Assert.Throws<InvalidOperationException>(() => Tensor.FromInt64s("i", [1], [1]).FloatSpan.Length);
    }
}
