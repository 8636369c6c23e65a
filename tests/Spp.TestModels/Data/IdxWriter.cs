using System.Buffers.Binary;
using System.IO.Compression;

namespace Spp.TestModels.Data;

/// <summary>Writes IDX files the way the MNIST distribution lays them out (big-endian header,
/// unsigned bytes), optionally gzipped, for reader tests.</summary>
public static class IdxWriter
{
    public static void Images(string path, int count, int height, int width, Func<int, int, int, byte> pixel, bool gzip)
    {
        var bytes = new byte[16 + count * height * width];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), height);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), width);
        for (int n = 0, k = 16; n < count; n++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    bytes[k++] = pixel(n, y, x);
        Write(path, bytes, gzip);
    }

    public static void Labels(string path, IReadOnlyList<byte> labels, bool gzip)
    {
        var bytes = new byte[8 + labels.Count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Count);
        for (int i = 0; i < labels.Count; i++) bytes[8 + i] = labels[i];
        Write(path, bytes, gzip);
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(bytes);
    }
}
