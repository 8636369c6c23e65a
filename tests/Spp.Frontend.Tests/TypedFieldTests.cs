using Google.Protobuf;
using Spp.Frontend.Onnx;
using Spp.Graph;
using static Spp.Frontend.Tests.Protos;

namespace Spp.Frontend.Tests;

/// <summary>Tensors stored in ONNX's typed fields (float_data, int32_data, ...) instead of raw_data
/// read into the same packed little-endian bytes as raw_data would hold.</summary>
public class TypedFieldTests
{
    private static Tensor ReadBack(TensorProto t) => Read(WithInitializer(t)).Graph.Initializers[t.Name];

    private static TensorProto Proto(ElementType type, params long[] dims)
    {
        var t = new TensorProto { Name = "t", DataType = (int)type };
        t.Dims.Add(dims);
        return t;
    }

    private static void AssertReads(TensorProto t, byte[] expectedBytes, double[]? expectedValues = null)
    {
        var r = ReadBack(t);
        Assert.Equal((ElementType)t.DataType, r.ElementType);
        Assert.Equal(t.Dims, r.Dims);
        Assert.Equal(expectedBytes, r.RawData);
        if (expectedValues is not null) Assert.Equal(expectedValues, r.ToDoubles());
    }

    [Fact]
    public void FloatData()
    {
        var t = Proto(ElementType.Float, 3);
        t.FloatData.Add([1.5f, -2f, float.MaxValue]);
        AssertReads(t, [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), .. BitConverter.GetBytes(float.MaxValue)],
            [1.5, -2, float.MaxValue]);
    }

    [Fact]
    public void Int32Data()
    {
        var t = Proto(ElementType.Int32, 2);
        t.Int32Data.Add([-1, 7]);
        AssertReads(t, [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0], [-1, 7]);
    }

    [Theory]
    [InlineData(ElementType.Int8, new[] { -5, 127, -128 }, new byte[] { 0xFB, 0x7F, 0x80 }, new double[] { -5, 127, -128 })]
    [InlineData(ElementType.UInt8, new[] { 255, 0, 1 }, new byte[] { 0xFF, 0, 1 }, new double[] { 255, 0, 1 })]
    [InlineData(ElementType.Bool, new[] { 1, 0, 1 }, new byte[] { 1, 0, 1 }, new double[] { 1, 0, 1 })]
    [InlineData(ElementType.Int16, new[] { -2, 300, 0 }, new byte[] { 0xFE, 0xFF, 0x2C, 0x01, 0, 0 }, new double[] { -2, 300, 0 })]
    [InlineData(ElementType.UInt16, new[] { 65535, 1, 0 }, new byte[] { 0xFF, 0xFF, 1, 0, 0, 0 }, new double[] { 65535, 1, 0 })]
    // float16 bit patterns: 1.5 = 0x3E00, -2 = 0xC000, 65504 = 0x7BFF.
    [InlineData(ElementType.Float16, new[] { 0x3E00, 0xC000, 0x7BFF }, new byte[] { 0x00, 0x3E, 0x00, 0xC0, 0xFF, 0x7B }, new double[] { 1.5, -2, 65504 })]
    // bfloat16 bit patterns: 1.5 = 0x3FC0, -2 = 0xC000, 1 = 0x3F80.
    [InlineData(ElementType.BFloat16, new[] { 0x3FC0, 0xC000, 0x3F80 }, new byte[] { 0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x3F }, new double[] { 1.5, -2, 1 })]
    public void Int32DataForNarrowTypes(ElementType type, int[] int32Data, byte[] bytes, double[] values)
    {
        var t = Proto(type, int32Data.Length);
        t.Int32Data.Add(int32Data);
        AssertReads(t, bytes, values);
    }

    [Fact]
    public void Int32DataForPackedInt4()
    {
        // Three int4 elements 1, 2, -1 packed low nibble first: 0x21, 0x0F.
        var t = Proto(ElementType.Int4, 3);
        t.Int32Data.Add([0x21, 0x0F]);
        AssertReads(t, [0x21, 0x0F]);
    }

    [Fact]
    public void Int64Data()
    {
        var t = Proto(ElementType.Int64, 2);
        t.Int64Data.Add([-3, long.MaxValue]);
        AssertReads(t, [.. BitConverter.GetBytes(-3L), .. BitConverter.GetBytes(long.MaxValue)]);
        Assert.Equal([-3, long.MaxValue], ReadBack(t).ToInt64s());
    }

    [Fact]
    public void DoubleData()
    {
        var t = Proto(ElementType.Double, 2);
        t.DoubleData.Add([0.1, -1e300]);
        AssertReads(t, [.. BitConverter.GetBytes(0.1), .. BitConverter.GetBytes(-1e300)], [0.1, -1e300]);
    }

    [Fact]
    public void Uint64Data()
    {
        var t = Proto(ElementType.UInt64, 2);
        t.Uint64Data.Add([ulong.MaxValue, 2]);
        AssertReads(t, [.. BitConverter.GetBytes(ulong.MaxValue), .. BitConverter.GetBytes(2UL)], [ulong.MaxValue, 2]);
    }

    [Fact]
    public void Uint64DataForUInt32()
    {
        var t = Proto(ElementType.UInt32, 2);
        t.Uint64Data.Add([uint.MaxValue, 3]);
        AssertReads(t, [0xFF, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0], [uint.MaxValue, 3]);
    }

    [Fact]
    public void FloatDataForComplex64()
    {
        var t = Proto(ElementType.Complex64, 2);
        t.FloatData.Add([1f, 2f, 3f, 4f]);
        AssertReads(t, [.. new[] { 1f, 2f, 3f, 4f }.SelectMany(BitConverter.GetBytes)]);
    }

    [Fact]
    public void StringData()
    {
        var t = Proto(ElementType.String, 2);
        t.StringData.Add([ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("bc")]);
        var r = ReadBack(t);
        Assert.Equal(ElementType.String, r.ElementType);
        Assert.Equal(["a"u8.ToArray(), "bc"u8.ToArray()], r.StringData!);
    }

    [Fact]
    public void ScalarAndEmptyTensors()
    {
        var scalar = Proto(ElementType.Float);
        scalar.FloatData.Add(2.5f);
        Assert.Equal([2.5], ReadBack(scalar).ToDoubles());

        var empty = Proto(ElementType.Float, 0, 4);
        empty.Name = "empty";
        Assert.Empty(ReadBack(empty).RawData);
    }

    [Fact]
    public void TypedFieldsAreWrittenBackAsRawDataWithTheSameBytes()
    {
        var t = Proto(ElementType.Int8, 2);
        t.Int32Data.Add([-1, 2]);
        var written = Backend.Onnx.OnnxWriter.ToProto(Read(WithInitializer(t)), null).Graph.Initializer[0];
        Assert.Empty(written.Int32Data);
        Assert.Equal(new byte[] { 0xFF, 2 }, written.RawData.ToByteArray());
    }
}
