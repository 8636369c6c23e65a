namespace Spp.Graph;

/// <summary>Tensor element types, numbered exactly as ONNX's TensorProto.DataType so that the
/// Frontend and Backend convert by cast.</summary>
public enum ElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
}

public static class ElementTypes
{
    /// <summary>Storage size of one element in bits (4 for the packed 4-bit types), 0 for strings
    /// and unknown types.</summary>
    public static int BitSize(this ElementType t) => t switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 32,
        ElementType.Double or ElementType.Int64 or ElementType.UInt64 or ElementType.Complex64 => 64,
        ElementType.Complex128 => 128,
        ElementType.Float16 or ElementType.BFloat16 or ElementType.Int16 or ElementType.UInt16 => 16,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool or ElementType.Float8E4M3FN
            or ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2 or ElementType.Float8E5M2FNUZ
            or ElementType.Float8E8M0 => 8,
        ElementType.UInt4 or ElementType.Int4 or ElementType.Float4E2M1 => 4,
        _ => 0,
    };

    public static bool IsKnown(int value) => Enum.IsDefined(typeof(ElementType), value) && value != 0;

    /// <summary>Bytes needed for <paramref name="count"/> packed elements.</summary>
    public static long ByteSize(this ElementType t, long count) => (count * t.BitSize() + 7) / 8;

    public static bool IsFloatingPoint(this ElementType t) =>
        t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    public static string ShortName(this ElementType t) => t switch
    {
        ElementType.Float => "f32",
        ElementType.Double => "f64",
        ElementType.Float16 => "f16",
        ElementType.BFloat16 => "bf16",
        ElementType.Int64 => "i64",
        ElementType.Int32 => "i32",
        ElementType.Int16 => "i16",
        ElementType.Int8 => "i8",
        ElementType.UInt64 => "u64",
        ElementType.UInt32 => "u32",
        ElementType.UInt16 => "u16",
        ElementType.UInt8 => "u8",
        ElementType.Bool => "bool",
        ElementType.String => "string",
        _ => t.ToString().ToLowerInvariant(),
    };
}
