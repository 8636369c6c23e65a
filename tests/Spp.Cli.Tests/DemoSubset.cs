using System.IO.Compression;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Cli.Tests;

/// <summary>The first <see cref="Count"/> images of the demo training set (models/data) as IDX files
/// with their labels, so that whole jobs run in a few seconds: BatchNorm recalibration and the
/// per-epoch work scale with the data, not with the steps asked for.</summary>
public sealed class DemoSubset : IDisposable
{
    public const int Count = 512;
    private readonly TempDir _dir = RepoPaths.Temp();

    public DemoSubset()
    {
        var images = Gunzip(RepoPaths.Model("data/train-images-idx3-ubyte.gz"));
        var labels = Gunzip(RepoPaths.Model("data/train-labels-idx1-ubyte.gz"));
        Images = _dir.File("train-images-idx3-ubyte");
        IdxWriter.Images(Images, Count, 28, 28, (n, y, x) => images[16 + n * 784 + y * 28 + x], gzip: false);
        IdxWriter.Labels(_dir.File("train-labels-idx1-ubyte"), labels[8..(8 + Count)], gzip: false);
    }

    /// <summary>The images file; the labels lie beside it under the standard name.</summary>
    public string Images { get; }

    private static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    public void Dispose() => _dir.Dispose();
}
