using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Backend.Tests.Data;

public class NpzSourceTests
{
    [Fact]
    public void FloatNchwWithLabels()
    {
        using var tmp = RepoPaths.Temp();
        var x = Enumerable.Range(0, 3 * 2 * 2 * 2).Select(i => i * 0.5f - 3).ToArray();
        NpzWriter.Write(tmp.File("d.npz"), new Dictionary<string, NpzWriter.Array>
        {
            ["x"] = NpzWriter.Floats([3, 2, 2, 2], x),
            ["y"] = NpzWriter.Int64s([3], [4, 0, 2]),
        });
        using var src = DataSources.Open(tmp.File("d.npz"), new Preprocessing(mean: [1f], std: [2f]));
        Assert.Equal((3, new SampleShape(2, 2, 2), 5), (src.Count, src.Shape, src.ClassCount!.Value));
        var b = src.ReadBatch([1, 2]);
        Assert.Equal([0, 2], b.Labels);
        Assert.Equal(x[8..].Select(v => (v - 1f) / 2f), b.Inputs);
    }

    [Fact]
    public void Uint8ChannelsLastIsTransposedAndScaled()
    {
        using var tmp = RepoPaths.Temp();
        // [N=2, H=2, W=2, C=3]: value = n*100 + ((y*2 + x)*3 + c)
        var px = new byte[2 * 2 * 2 * 3];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i / 12 * 100 + i % 12);
        NpzWriter.Write(tmp.File("d.npz"), new Dictionary<string, NpzWriter.Array> { ["images"] = NpzWriter.Bytes([2, 2, 2, 3], px) });
        using var src = DataSources.Open(tmp.File("d.npz"), new Preprocessing(channels: 3));
        Assert.False(src.IsLabeled);
        var b = src.ReadBatch([1]);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 4; p++)
                Assert.Equal((100 + p * 3 + c) / 255f, b.Inputs[c * 4 + p]);
    }

    [Fact]
    public void TheReferenceModelsNpzHasTheirTestImages()
    {
        using var src = DataSources.Open(RepoPaths.Model("resnet20.ref.npz"), new Preprocessing(channels: 1, height: 28, width: 28));
        Assert.Equal((64, new SampleShape(1, 28, 28), 10), (src.Count, src.Shape, src.ClassCount!.Value));
    }

    [Fact]
    public void MissingOrMismatchedArraysAreOneLine()
    {
        using var tmp = RepoPaths.Temp();
        string path = tmp.File("d.npz");
        NpzWriter.Write(path, new Dictionary<string, NpzWriter.Array>
        {
            ["a"] = NpzWriter.Floats([1, 1, 2, 2], new float[4]),
            ["b"] = NpzWriter.Floats([1, 1, 2, 2], new float[4]),
        });
        var e = Assert.Throws<DataFormatException>(() => DataSources.Open(path, new Preprocessing()));
        Assert.Equal($"{path}: no input array; name it one of input, inputs, x, images, data, X (arrays here: a, b)", e.Message);

        NpzWriter.Write(path, new Dictionary<string, NpzWriter.Array>
        {
            ["input"] = NpzWriter.Floats([2, 1, 2, 2], new float[8]),
            ["labels"] = NpzWriter.Int64s([3], [0, 1, 2]),
        });
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(path, new Preprocessing()));
        Assert.Equal($"{path}: label array 'labels' has shape [3] for 2 inputs; expected [2]", e.Message);

        File.WriteAllText(path, "not a zip");
        e = Assert.Throws<DataFormatException>(() => DataSources.Open(path, new Preprocessing()));
        Assert.StartsWith($"{path}: not a readable .npz archive", e.Message);
    }
}
