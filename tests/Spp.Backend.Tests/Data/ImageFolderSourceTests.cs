using SkiaSharp;
using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Backend.Tests.Data;

public class ImageFolderSourceTests
{
    private static byte[] Rgb(int w, int h, int seed) =>
        Enumerable.Range(0, w * h * 3).Select(i => (byte)(i * 37 + seed * 11)).ToArray();

    [Fact]
    public void ClassFoldersInNameOrderExactPixelsAtModelSize()
    {
        using var tmp = RepoPaths.Temp();
        Directory.CreateDirectory(tmp.File("cat"));
        Directory.CreateDirectory(tmp.File("ant/sub"));
        var a = Rgb(3, 2, 1);
        var b = Rgb(3, 2, 2);
        PngWriter.Write(tmp.File("cat/1.png"), 3, 2, 3, a);
        PngWriter.Write(tmp.File("ant/sub/z.PNG"), 3, 2, 3, b);
        File.WriteAllText(tmp.File("cat/notes.txt"), "ignored");

        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 3, height: 2, width: 3, order: ChannelOrder.Bgr));
        var folder = Assert.IsType<ImageFolderSource>(src);
        Assert.Equal(["ant", "cat"], folder.Classes);
        Assert.Equal((2, 2), (src.Count, src.ClassCount!.Value));
        var batch = src.ReadBatch([1, 0]);
        Assert.Equal([1, 0], batch.Labels);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 6; p++)
            {
                Assert.Equal(a[p * 3 + (2 - c)] / 255f, batch.Inputs[c * 6 + p]);
                Assert.Equal(b[p * 3 + (2 - c)] / 255f, batch.Inputs[18 + c * 6 + p]);
            }
    }

    [Fact]
    public void GrayscaleModelGetsPilLuma()
    {
        using var tmp = RepoPaths.Temp();
        PngWriter.Write(tmp.File("a.png"), 7, 1, 3, [255, 0, 0, 10, 200, 30, 197, 215, 20, 132, 248, 207, 155, 244, 183, 111, 71, 144, 71, 48, 128]);
        PngWriter.Write(tmp.File("b.png"), 7, 1, 1, [77, 203, 0, 1, 128, 254, 255]);
        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 1, height: 1, width: 7));
        Assert.False(src.IsLabeled);
        var x = src.ReadBatch([0, 1]).Inputs;
        // Image.convert("L") of these RGB pixels in Pillow 9 gives 76, 124, 187, 209, 210, 91, 64;
        // gray pixels stay as they are.
        byte[] expected = [76, 124, 187, 209, 210, 91, 64, 77, 203, 0, 1, 128, 254, 255];
        Assert.Equal(expected.Select(v => v / 255f), x);
    }

    [Fact]
    public void DownscalingAveragesInsteadOfAliasing()
    {
        using var tmp = RepoPaths.Temp();
        var px = new byte[64 * 64];
        for (int i = 0; i < px.Length; i++) px[i] = ((i % 64 + i / 64) & 1) == 0 ? (byte)255 : (byte)0;
        PngWriter.Write(tmp.File("checker.png"), 64, 64, 1, px);
        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 1, height: 8, width: 8));
        foreach (var v in src.ReadBatch([0]).Inputs) Assert.InRange(v, 0.45f, 0.55f);
    }

    [Fact]
    public void JpegDecodesCloseToItsColor()
    {
        using var tmp = RepoPaths.Temp();
        using (var bmp = new SKBitmap(16, 16))
        {
            bmp.Erase(new SKColor(200, 100, 50));
            using var data = SKImage.FromBitmap(bmp).Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(tmp.File("x.jpg"), data.ToArray());
        }
        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 3, height: 16, width: 16));
        var x = src.ReadBatch([0]).Inputs;
        float[] expected = [200 / 255f, 100 / 255f, 50 / 255f];
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 256; p++)
                Assert.InRange(x[c * 256 + p], expected[c] - 3 / 255f, expected[c] + 3 / 255f);
    }

    [Fact]
    public void BrokenOrMissingImagesAreOneLine()
    {
        using var tmp = RepoPaths.Temp();
        var e = Assert.Throws<DataFormatException>(() => DataSources.Open(tmp.Path, new Preprocessing(channels: 3, height: 4, width: 4)));
        Assert.StartsWith($"{tmp.Path}: no images", e.Message);

        Directory.CreateDirectory(tmp.File("dog"));
        File.WriteAllText(tmp.File("dog/broken.jpg"), "not a jpeg");
        PngWriter.Write(tmp.File("dog/ok.png"), 1, 1, 1, [1]);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(tmp.Path, new Preprocessing(channels: 3)));
        Assert.Equal($"{tmp.Path}: the model does not fix its input size; give --size HxW for image folders", e.Message);

        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 3, height: 4, width: 4));
        e = Assert.Throws<DataFormatException>(() => src.ReadBatch([0, 1]));
        Assert.Equal($"{tmp.File("dog/broken.jpg")}: not a decodable image", e.Message);
    }
}
