using System.IO.Compression;

namespace Spp.Pruning.Data;

/// <summary>Reading whole data files with the errors a user can cause turned into one line naming
/// the file; gzip is recognised by its magic bytes, not the file name.</summary>
public static class DataFiles
{
    public static byte[] ReadMaybeGzip(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[2];
            int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            using var ms = new MemoryStream();
            if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                using var gz = new GZipStream(file, CompressionMode.Decompress);
                gz.CopyTo(ms);
            }
            else
            {
                file.CopyTo(ms);
            }
            return ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: broken gzip data ({e.Message.TrimEnd('.')})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read: {Reason(e)}");
        }
    }

    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
