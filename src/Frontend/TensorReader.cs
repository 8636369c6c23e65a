using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Spp.Frontend.Onnx;
using Spp.Graph;

namespace Spp.Frontend;

/// <summary>Converts a TensorProto (typed fields, raw_data or external data) into an IR tensor.</summary>
internal sealed class TensorReader(string modelPath)
{
    private readonly string _baseDir = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
    public bool SawExternalData { get; private set; }

    public Tensor Read(TensorProto p, string owner)
    {
        string label = p.Name.Length > 0 ? $"tensor '{p.Name}'" : $"tensor in {owner}";
        if (!ElementTypes.IsKnown(p.DataType))
            throw new ModelLoadException($"{modelPath}: {label} has unsupported element type {p.DataType}");
        var type = (ElementType)p.DataType;
        if (p.Segment is not null)
            throw new ModelLoadException($"{modelPath}: {label} is segmented, which is not supported");
        long[] dims = p.Dims.ToArray();
        if (dims.Any(d => d < 0))
            throw new ModelLoadException($"{modelPath}: {label} has a negative dimension");
        long count = dims.Aggregate(1L, (n, d) => n == 0 || d <= long.MaxValue / n ? n * d
            : throw new ModelLoadException($"{modelPath}: {label} has dimensions [{string.Join(",", dims)}] whose product overflows"));

        Tensor t;
        if (type == ElementType.String)
        {
            if (p.StringData.Count != count)
                throw new ModelLoadException($"{modelPath}: {label} has {p.StringData.Count} strings for shape [{string.Join(",", dims)}]");
            t = new Tensor(p.Name, dims, p.StringData.Select(s => s.ToByteArray()).ToArray());
        }
        else
        {
            long bytes = type.ByteSize(count);
            if (bytes > Array.MaxLength)
                throw new ModelLoadException($"{modelPath}: {label} holds {bytes} bytes; single tensors over 2 GiB are not supported");
            byte[] data = p.DataLocation == TensorProto.Types.DataLocation.External
                ? ReadExternal(p, label, bytes)
                : p.RawData.Length > 0 || count == 0 ? p.RawData.ToByteArray() : FromTypedFields(p, type, count, label);
            if (data.LongLength != bytes)
                throw new ModelLoadException($"{modelPath}: {label} has {data.LongLength} bytes of data, {bytes} expected for its type and shape (truncated?)");
            t = new Tensor(p.Name, type, dims, data);
        }
        t.Extras = Leftovers(p);
        return t;
    }

    /// <summary>Fields of the tensor the IR does not model (doc string, metadata, unknown fields
    /// from a newer schema), serialized; null when there are none.</summary>
    private static byte[]? Leftovers(TensorProto p)
    {
        var rest = p.Clone();
        rest.Dims.Clear();
        rest.DataType = 0;
        rest.Segment = null;
        rest.FloatData.Clear();
        rest.Int32Data.Clear();
        rest.StringData.Clear();
        rest.Int64Data.Clear();
        rest.Name = "";
        rest.RawData = ByteString.Empty;
        rest.ExternalData.Clear();
        rest.DataLocation = TensorProto.Types.DataLocation.Default;
        rest.DoubleData.Clear();
        rest.Uint64Data.Clear();
        return Extras.OrNull(rest);
    }

    private byte[] ReadExternal(TensorProto p, string label, long expected)
    {
        SawExternalData = true;
        string? location = null;
        long offset = 0, length = -1;
        foreach (var e in p.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = ParseLong(e.Value, label, "offset"); break;
                case "length": length = ParseLong(e.Value, label, "length"); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new ModelLoadException($"{modelPath}: {label} is stored externally but names no location");
        string path = Path.GetFullPath(Path.Combine(_baseDir, location));
        // As onnx and ONNX Runtime require: the data lives in the model's folder or below it, so a
        // model file cannot make sppc read (and later write into its output) any file it can reach.
        if (Path.IsPathRooted(location) || !path.StartsWith(_baseDir.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModelLoadException($"{modelPath}: {label} refers to external data file '{location}', which is outside the model's folder");
        if (!File.Exists(path))
            throw new ModelLoadException($"{modelPath}: {label} refers to external data file '{location}', which does not exist");
        if (length < 0) length = expected;
        if (length != expected)
            throw new ModelLoadException($"{modelPath}: {label} has external length {length}, {expected} bytes expected for its type and shape");
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (offset + length > fs.Length)
                throw new ModelLoadException($"{modelPath}: {label} reads bytes {offset}..{offset + length} of '{location}', which has only {fs.Length} (truncated?)");
            fs.Seek(offset, SeekOrigin.Begin);
            var data = new byte[length];
            fs.ReadExactly(data);
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{modelPath}: {label}: cannot read external data file '{location}': {e.Message}");
        }
    }

    private long ParseLong(string s, string label, string key) =>
        long.TryParse(s, out var v) && v >= 0 ? v : throw new ModelLoadException($"{modelPath}: {label} has external-data {key} '{s}', not a number");

    private byte[] FromTypedFields(TensorProto p, ElementType type, long count, string label)
    {
        byte[] Check(int have, byte[] data) => have == count || (type.BitSize() == 4 && have == (count + 1) / 2)
            ? data
            : throw new ModelLoadException($"{modelPath}: {label} has {have} values for {count} elements");
        switch (type)
        {
            case ElementType.Float:
                return Check(p.FloatData.Count, MemoryMarshal.AsBytes(p.FloatData.ToArray().AsSpan()).ToArray());
            case ElementType.Complex64:
                return Check(p.FloatData.Count / 2, MemoryMarshal.AsBytes(p.FloatData.ToArray().AsSpan()).ToArray());
            case ElementType.Double:
                return Check(p.DoubleData.Count, MemoryMarshal.AsBytes(p.DoubleData.ToArray().AsSpan()).ToArray());
            case ElementType.Complex128:
                return Check(p.DoubleData.Count / 2, MemoryMarshal.AsBytes(p.DoubleData.ToArray().AsSpan()).ToArray());
            case ElementType.Int64:
                return Check(p.Int64Data.Count, MemoryMarshal.AsBytes(p.Int64Data.ToArray().AsSpan()).ToArray());
            case ElementType.UInt64:
                return Check(p.Uint64Data.Count, MemoryMarshal.AsBytes(p.Uint64Data.ToArray().AsSpan()).ToArray());
            case ElementType.UInt32:
                return Check(p.Uint64Data.Count, p.Uint64Data.SelectMany(v => BitConverter.GetBytes((uint)v)).ToArray());
            case ElementType.Int32:
                return Check(p.Int32Data.Count, MemoryMarshal.AsBytes(p.Int32Data.ToArray().AsSpan()).ToArray());
            default:
            {
                // int32_data holds each 8- or 16-bit element (float16/bfloat16 as their bit pattern) in
                // one int32; the 4-bit types hold two packed elements per int32 entry.
                int width = type.BitSize() / 8;
                var data = new byte[width == 0 ? p.Int32Data.Count : p.Int32Data.Count * width];
                for (int i = 0; i < p.Int32Data.Count; i++)
                {
                    int v = p.Int32Data[i];
                    if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), (ushort)v);
                    else data[i] = (byte)v;
                }
                return Check(p.Int32Data.Count, data);
            }
        }
    }
}
