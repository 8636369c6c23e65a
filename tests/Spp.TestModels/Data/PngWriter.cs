using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Spp.TestModels.Data;

/// <summary>A minimal PNG encoder (8-bit gray or RGB, no filtering), written from the PNG
/// specification so that decoder tests do not rely on the decoder's own library to make inputs.</summary>
public static class PngWriter
{
    /// <param name="pixels">row-major, <paramref name="channels"/> bytes per pixel (1 gray, 3 RGB, 4 RGBA)</param>
    public static void Write(string path, int width, int height, int channels, byte[] pixels)
    {
        byte colorType = channels switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentOutOfRangeException(nameof(channels)) };
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(pixels, y * width * channels, width * channels);
        }
        var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        using var f = File.Create(path);
        f.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(f, "IHDR", ihdr);
        Chunk(f, "IDAT", idat.ToArray());
        Chunk(f, "IEND", []);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        s.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
