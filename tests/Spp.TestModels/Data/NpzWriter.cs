using System.IO.Compression;
using System.Text;

namespace Spp.TestModels.Data;

/// <summary>Writes .npy arrays (format 1.0) into an .npz zip, as numpy.savez does, for reader tests.</summary>
public static class NpzWriter
{
    public sealed record Array(string Descr, long[] Shape, byte[] Data);

    public static Array Floats(long[] shape, float[] values) => new("<f4", shape, values.SelectMany(BitConverter.GetBytes).ToArray());
    public static Array Bytes(long[] shape, byte[] values) => new("|u1", shape, values);
    public static Array Int64s(long[] shape, long[] values) => new("<i8", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] Npy(Array a)
    {
        string shape = a.Shape.Length == 1 ? $"({a.Shape[0]},)" : "(" + string.Join(", ", a.Shape) + ")";
        string header = $"{{'descr': '{a.Descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // numpy pads the header with spaces and a newline so the data starts at a multiple of 64.
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.Latin1.GetBytes(header));
        ms.Write(a.Data);
        return ms.ToArray();
    }

    public static void Write(string path, IReadOnlyDictionary<string, Array> arrays)
    {
        using var f = File.Create(path);
        using var zip = new ZipArchive(f, ZipArchiveMode.Create);
        foreach (var (name, a) in arrays)
        {
            using var s = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest).Open();
            s.Write(Npy(a));
        }
    }
}
