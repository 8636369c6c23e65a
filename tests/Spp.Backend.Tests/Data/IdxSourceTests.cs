using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Backend.Tests.Data;

public class IdxSourceTests
{
    private static byte Pixel(int n, int y, int x) => (byte)(n * 31 + y * 7 + x * 3);

    [Theory]
    [InlineData(true, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")]
    [InlineData(false, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    [InlineData(false, "train-images.idx3-ubyte", "train-labels.idx1-ubyte")]
    public void DecodesPixelsAndFindsLabelsBeside(bool gzip, string images, string labels)
    {
        using var tmp = RepoPaths.Temp();
        IdxWriter.Images(tmp.File(images), 5, 4, 3, Pixel, gzip);
        IdxWriter.Labels(tmp.File(labels), [3, 0, 9, 1, 3], gzip);

        using var src = DataSources.Open(tmp.File(images), new Preprocessing(mean: [0.5f], std: [0.25f]));
        Assert.IsType<IdxSource>(src);
        Assert.Equal(tmp.File(labels), ((IdxSource)src).LabelsPath);
        Assert.Equal((5, new SampleShape(1, 4, 3), 10), (src.Count, src.Shape, src.ClassCount!.Value));

        var b = src.ReadBatch([4, 0]);
        Assert.Equal([2, 1, 4, 3], b.Dims);
        Assert.Equal([3, 3], b.Labels);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 3; x++)
            {
                Assert.Equal((Pixel(4, y, x) / 255f - 0.5f) / 0.25f, b.Inputs[y * 3 + x], 6);
                Assert.Equal((Pixel(0, y, x) / 255f - 0.5f) / 0.25f, b.Inputs[12 + y * 3 + x], 6);
            }
    }

    [Fact]
    public void WithoutLabelsFileTheSetIsUnlabeled()
    {
        using var tmp = RepoPaths.Temp();
        IdxWriter.Images(tmp.File("x-images-idx3-ubyte"), 2, 2, 2, Pixel, gzip: false);
        using var src = DataSources.Open(tmp.File("x-images-idx3-ubyte"), new Preprocessing());
        Assert.False(src.IsLabeled);
        Assert.Equal([-1, -1], src.ReadBatch([0, 1]).Labels);
        Assert.Equal(Pixel(1, 1, 1) / 255f, src.ReadBatch([1]).Inputs[3]);
    }

    [Fact]
    public void BadFilesAreOneLineNamingTheFile()
    {
        using var tmp = RepoPaths.Temp();
        string images = tmp.File("a-images-idx3-ubyte");
        IdxWriter.Images(images, 3, 4, 4, Pixel, gzip: false);

        IdxWriter.Labels(tmp.File("a-labels-idx1-ubyte"), [1, 2], gzip: false);
        var e = Assert.Throws<DataFormatException>(() => DataSources.Open(images, new Preprocessing()));
        Assert.Equal($"{tmp.File("a-labels-idx1-ubyte")}: 2 labels for 3 images in {images}", e.Message);
        File.Delete(tmp.File("a-labels-idx1-ubyte"));

        e = Assert.Throws<DataFormatException>(() => DataSources.Open(images, new Preprocessing(channels: 3)));
        Assert.Equal($"{images}: samples have 1 channel(s) (grayscale), the model input has 3", e.Message);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(images, new Preprocessing(height: 28, width: 28)));
        Assert.Equal($"{images}: samples are 4x4, the model input is 28x28", e.Message);

        File.WriteAllBytes(images, File.ReadAllBytes(images)[..40]);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(images, new Preprocessing()));
        Assert.StartsWith($"{images}: truncated", e.Message);

        string gz = tmp.File("b-images-idx3-ubyte.gz");
        File.WriteAllBytes(gz, [0x1f, 0x8b, 8, 0, 1, 2, 3]);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(gz, new Preprocessing()));
        Assert.StartsWith($"{gz}: ", e.Message);

        string labelsOnly = tmp.File("c-labels-idx1-ubyte");
        IdxWriter.Labels(labelsOnly, [1], gzip: false);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(labelsOnly, new Preprocessing()));
        Assert.Contains("labels file", e.Message);
    }
}
