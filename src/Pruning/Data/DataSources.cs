namespace Spp.Pruning.Data;

/// <summary>Opens what a user names with <c>--data</c> or <c>--val</c>: the format is recognised
/// from the path (folder, extension) and the file's first bytes, never guessed silently.</summary>
public static class DataSources
{
    public static DataSource Open(string path, Preprocessing pre)
    {
        if (Directory.Exists(path))
            return CifarSource.IsCifarFolder(path) ? CifarSource.Open(path, pre) : ImageFolderSource.Open(path, pre);
        if (!File.Exists(path)) throw new DataFormatException($"{path}: no such file or folder");

        string name = Path.GetFileName(path);
        if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            return NpzSource.Open(path, pre);
        if (ImageFolderSource.IsImageFile(path))
            throw new DataFormatException($"{path}: a single image; give the folder that holds the images (one subfolder per class)");
        if (name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tar", StringComparison.OrdinalIgnoreCase))
            throw new DataFormatException($"{path}: an archive; extract it and give the extracted file or folder");

        var head = Head(path);
        bool gzip = head is [0x1f, 0x8b, ..];
        bool idx = head is [0, 0, 0x08, 1 or 3, ..];
        if (gzip || idx) return IdxSource.Open(path, pre);
        if (CifarSource.KindOf(path, new FileInfo(path).Length) is not null) return CifarSource.Open(path, pre);
        throw new DataFormatException($"{path}: unknown data format; expected IDX images (…-images-idx3-ubyte[.gz]), CIFAR binary batches, .npz/.npy or an image folder");
    }

    private static byte[] Head(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            var b = new byte[4];
            int n = f.ReadAtLeast(b, 4, throwOnEndOfStream: false);
            return b[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read: {DataFiles.Reason(e)}");
        }
    }
}
