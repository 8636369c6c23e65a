using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Pruning.Tests.Training;

/// <summary>A small labeled data set for <see cref="Engine.SmallNets.ConvNet"/> ([3, 6, 6] inputs,
/// 4 classes) written as an .npz, so training runs go through the real data path.</summary>
public sealed class TinyData : IDisposable
{
    private readonly TempDir _dir = RepoPaths.Temp();

    public TinyData(int count = 48, int seed = 5)
    {
        var rng = new Random(seed);
        var labels = Enumerable.Range(0, count).Select(_ => (long)rng.Next(4)).ToArray();
        // Class-dependent means, so that training has something to learn.
        var x = new float[count * 108];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1 + 0.5 * (labels[i / 108] - 1.5) * (i % 3 == 0 ? 1 : -1));
        Path = _dir.File("tiny.npz");
        NpzWriter.Write(Path, new Dictionary<string, NpzWriter.Array>
        {
            ["x"] = NpzWriter.Floats([count, 3, 6, 6], x),
            ["y"] = NpzWriter.Int64s([count], labels),
        });
        Source = DataSources.Open(Path, new Preprocessing());
    }

    public string Path { get; }
    public DataSource Source { get; }

    public void Dispose()
    {
        Source.Dispose();
        _dir.Dispose();
    }
}
