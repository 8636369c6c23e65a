using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Backend.Tests.Data;

public class CifarSourceTests
{
    private static byte Pixel(int n, int c, int p) => (byte)(n * 50 + c * 80 + p % 7);

    [Fact]
    public void FolderMeansItsTrainingBatchesInOrder()
    {
        using var tmp = RepoPaths.Temp();
        CifarWriter.Write(tmp.File("data_batch_1.bin"), [6, 9], Pixel, hundred: false);
        CifarWriter.Write(tmp.File("data_batch_2.bin"), [1], (n, c, p) => Pixel(n + 2, c, p), hundred: false);
        CifarWriter.Write(tmp.File("test_batch.bin"), [0], Pixel, hundred: false);

        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 3, height: 32, width: 32));
        Assert.Equal((3, 10, new SampleShape(3, 32, 32)), (src.Count, src.ClassCount!.Value, src.Shape));
        var b = src.ReadBatch([2, 0]);
        Assert.Equal([1, 6], b.Labels);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p += 97)
            {
                Assert.Equal(Pixel(2, c, p) / 255f, b.Inputs[c * 1024 + p]);
                Assert.Equal(Pixel(0, c, p) / 255f, b.Inputs[3072 + c * 1024 + p]);
            }

        using var test = DataSources.Open(tmp.File("test_batch.bin"), new Preprocessing());
        Assert.Equal(1, test.Count);
    }

    [Fact]
    public void BgrOrderAndPerChannelStatistics()
    {
        using var tmp = RepoPaths.Temp();
        CifarWriter.Write(tmp.File("test_batch.bin"), [3], Pixel, hundred: false);
        float[] mean = [0.1f, 0.2f, 0.3f], std = [0.5f, 0.25f, 0.125f];
        using var src = DataSources.Open(tmp.File("test_batch.bin"), new Preprocessing(mean: mean, std: std, order: ChannelOrder.Bgr));
        var x = src.ReadBatch([0]).Inputs;
        for (int c = 0; c < 3; c++)
            Assert.Equal((Pixel(0, 2 - c, 5) / 255f - mean[c]) / std[c], x[c * 1024 + 5], 5);
    }

    [Fact]
    public void Cifar100UsesFineLabels()
    {
        using var tmp = RepoPaths.Temp();
        CifarWriter.Write(tmp.File("test.bin"), [99, 42, 7], Pixel, hundred: true);
        using var src = DataSources.Open(tmp.File("test.bin"), new Preprocessing());
        Assert.Equal(100, src.ClassCount);
        var b = src.ReadBatch([0, 1, 2]);
        Assert.Equal([99, 42, 7], b.Labels);
        Assert.Equal(Pixel(1, 2, 1000) / 255f, b.Inputs[3072 + 2048 + 1000]);
    }

    [Fact]
    public void WrongSizesAreOneLine()
    {
        using var tmp = RepoPaths.Temp();
        File.WriteAllBytes(tmp.File("data_batch_1.bin"), new byte[3073 + 5]);
        var e = Assert.Throws<DataFormatException>(() => DataSources.Open(tmp.Path, new Preprocessing()));
        Assert.StartsWith($"{tmp.File("data_batch_1.bin")}: ", e.Message);

        CifarWriter.Write(tmp.File("data_batch_1.bin"), [1], Pixel, hundred: false);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(tmp.Path, new Preprocessing(channels: 1)));
        Assert.Equal($"{tmp.Path}: samples have 3 channel(s) (color), the model input has 1", e.Message);
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(tmp.Path, new Preprocessing(mean: [0.1f, 0.2f])));
        Assert.Equal($"--mean has 2 values but {tmp.Path} has 3 channel(s); give 1 or 3", e.Message);
    }
}
