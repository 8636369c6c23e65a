using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Spp.Graph;

/// <summary>
/// A constant tensor. Numeric data is kept as little-endian packed bytes, exactly as ONNX's raw_data
/// stores it, so a tensor read and written back is bit-identical whatever its element type. String
/// tensors keep their elements as byte strings.
/// </summary>
public sealed class Tensor
{
    public string Name { get; set; }
    public ElementType ElementType { get; }
    public long[] Dims { get; }
    /// <summary>Packed little-endian element data (empty for string tensors).</summary>
    public byte[] RawData { get; private set; }
    /// <summary>Elements of a string tensor, null otherwise.</summary>
    public byte[][]? StringData { get; }
    /// <summary>Serialized format-specific content the IR does not model (doc string, metadata,
    /// unknown fields); written back unchanged by the Backend.</summary>
    public byte[]? Extras { get; set; }

    public Tensor(string name, ElementType type, long[] dims, byte[] rawData)
    {
        if (type == ElementType.String) throw new ArgumentException("use the string constructor for string tensors");
        Name = name;
        ElementType = type;
        Dims = dims;
        long expected = type.ByteSize(ElementCountOf(dims));
        if (rawData.LongLength != expected)
            throw new ArgumentException($"tensor '{name}': {rawData.LongLength} bytes of data, {expected} expected for {type} {Shape}");
        RawData = rawData;
    }

    public Tensor(string name, long[] dims, byte[][] strings)
    {
        Name = name;
        ElementType = ElementType.String;
        Dims = dims;
        if (strings.LongLength != ElementCountOf(dims))
            throw new ArgumentException($"tensor '{name}': {strings.Length} strings, {ElementCountOf(dims)} expected");
        StringData = strings;
        RawData = [];
    }

    public long ElementCount => ElementCountOf(Dims);
    public Shape Shape => new(Dims);
    public TensorType Type => new(ElementType, Shape);
    public long ByteSize => ElementType == ElementType.String ? StringData!.Sum(s => (long)s.Length) : RawData.LongLength;

    public static long ElementCountOf(long[] dims)
    {
        long n = 1;
        foreach (var d in dims) n *= d;
        return n;
    }

    public static Tensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values) =>
        new(name, ElementType.Float, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static Tensor FromInt64s(string name, long[] dims, ReadOnlySpan<long> values) =>
        new(name, ElementType.Int64, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static Tensor FromInt32s(string name, long[] dims, ReadOnlySpan<int> values) =>
        new(name, ElementType.Int32, dims, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Direct view of float32 data (the machine is little-endian, as ONNX's raw data).</summary>
    public Span<float> FloatSpan =>
        ElementType == ElementType.Float ? MemoryMarshal.Cast<byte, float>(RawData.AsSpan()) :
        throw new InvalidOperationException($"tensor '{Name}' is {ElementType}, not float");

    /// <summary>Replaces the data of a same-typed tensor of any shape (used by rewrites).</summary>
    public Tensor WithData(long[] dims, byte[] rawData) => new(Name, ElementType, dims, rawData) { Extras = Extras };

    /// <summary>Values converted to double (numeric types only).</summary>
    public double[] ToDoubles()
    {
        long n = ElementCount;
        var r = new double[n];
        var b = RawData.AsSpan();
        for (long i = 0; i < n; i++) r[i] = ReadAsDouble(b, i);
        return r;
    }

    public float[] ToFloats() => ElementType == ElementType.Float ? FloatSpan.ToArray() : ToDoubles().Select(d => (float)d).ToArray();

    /// <summary>Values as int64 (integer and bool types exactly; floats truncated).</summary>
    public long[] ToInt64s()
    {
        if (ElementType == ElementType.Int64) return MemoryMarshal.Cast<byte, long>(RawData).ToArray();
        if (ElementType == ElementType.Int32) return MemoryMarshal.Cast<byte, int>(RawData).ToArray().Select(v => (long)v).ToArray();
        return ToDoubles().Select(d => (long)d).ToArray();
    }

    private double ReadAsDouble(ReadOnlySpan<byte> b, long i)
    {
        int k = checked((int)i);
        return ElementType switch
        {
            ElementType.Float => BinaryPrimitives.ReadSingleLittleEndian(b[(k * 4)..]),
            ElementType.Double => BinaryPrimitives.ReadDoubleLittleEndian(b[(k * 8)..]),
            ElementType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b[(k * 2)..]),
            ElementType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b[(k * 2)..]) << 16),
            ElementType.Int8 => (sbyte)b[k],
            ElementType.UInt8 => b[k],
            ElementType.Bool => b[k] != 0 ? 1 : 0,
            ElementType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b[(k * 2)..]),
            ElementType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b[(k * 2)..]),
            ElementType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b[(k * 4)..]),
            ElementType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b[(k * 4)..]),
            ElementType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b[(k * 8)..]),
            ElementType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b[(k * 8)..]),
            _ => throw new NotSupportedException($"tensor '{Name}': cannot read {ElementType} values as numbers"),
        };
    }

    /// <summary>Builds a tensor of <paramref name="type"/> from double values (numeric types only).</summary>
    public static Tensor FromDoubles(string name, ElementType type, long[] dims, ReadOnlySpan<double> values)
    {
        var bytes = new byte[type.ByteSize(values.Length)];
        var b = bytes.AsSpan();
        for (int k = 0; k < values.Length; k++)
        {
            double v = values[k];
            switch (type)
            {
                case ElementType.Float: BinaryPrimitives.WriteSingleLittleEndian(b[(k * 4)..], (float)v); break;
                case ElementType.Double: BinaryPrimitives.WriteDoubleLittleEndian(b[(k * 8)..], v); break;
                case ElementType.Float16: BinaryPrimitives.WriteHalfLittleEndian(b[(k * 2)..], (Half)v); break;
                case ElementType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(b[(k * 2)..], ToBFloat16((float)v)); break;
                case ElementType.Int8: b[k] = (byte)(sbyte)v; break;
                case ElementType.UInt8: b[k] = (byte)v; break;
                case ElementType.Bool: b[k] = v != 0 ? (byte)1 : (byte)0; break;
                case ElementType.Int16: BinaryPrimitives.WriteInt16LittleEndian(b[(k * 2)..], (short)v); break;
                case ElementType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(b[(k * 2)..], (ushort)v); break;
                case ElementType.Int32: BinaryPrimitives.WriteInt32LittleEndian(b[(k * 4)..], (int)v); break;
                case ElementType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(b[(k * 4)..], (uint)v); break;
                case ElementType.Int64: BinaryPrimitives.WriteInt64LittleEndian(b[(k * 8)..], (long)v); break;
                case ElementType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(b[(k * 8)..], (ulong)v); break;
                default: throw new NotSupportedException($"cannot build a {type} tensor from numbers");
            }
        }
        return new Tensor(name, type, dims, bytes);
    }

    /// <summary>The upper 16 bits of a float32, rounded to nearest even (NaN stays a quiet NaN).</summary>
    private static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public override string ToString() => $"{Name}: {ElementType.ShortName()}{Shape}";
}
