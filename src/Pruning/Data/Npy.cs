using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Spp.Graph;

namespace Spp.Pruning.Data;

/// <summary>The NumPy .npy format (versions 1-3, C order, little-endian numeric dtypes) and .npz
/// archives of them (stored or deflated), read into IR tensors.</summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Dictionary<string, Tensor> ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, Tensor>();
        foreach (var entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
            string name = entry.FullName[..^4];
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            result[name] = Read(ms.ToArray(), name, $"{path}:{entry.FullName}");
        }
        return result;
    }

    public static Tensor Read(byte[] bytes, string name, string where)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw new InvalidDataException($"{where}: not a .npy array");
        int major = bytes[6];
        int headerLen, offset;
        if (major == 1) { headerLen = BitConverter.ToUInt16(bytes, 8); offset = 10; }
        else { headerLen = (int)BitConverter.ToUInt32(bytes, 8); offset = 12; }
        string header = Encoding.Latin1.GetString(bytes, offset, headerLen);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success) throw new InvalidDataException($"{where}: unreadable .npy header");
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{where}: Fortran-order arrays are not supported");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var type = descr.Groups[1].Value switch
        {
            "<f4" => ElementType.Float,
            "<f8" => ElementType.Double,
            "<f2" => ElementType.Float16,
            "<i8" => ElementType.Int64,
            "<i4" => ElementType.Int32,
            "<i2" => ElementType.Int16,
            "|i1" => ElementType.Int8,
            "|u1" => ElementType.UInt8,
            "<u2" => ElementType.UInt16,
            "<u4" => ElementType.UInt32,
            "<u8" => ElementType.UInt64,
            "|b1" => ElementType.Bool,
            var d => throw new InvalidDataException($"{where}: dtype {d} is not supported (little-endian numeric types only)"),
        };
        int start = offset + headerLen;
        long size = type.ByteSize(Tensor.ElementCountOf(dims));
        if (bytes.Length - start < size) throw new InvalidDataException($"{where}: truncated ({bytes.Length - start} of {size} data bytes)");
        return new Tensor(name, type, dims, bytes.AsSpan(start, (int)size).ToArray());
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
