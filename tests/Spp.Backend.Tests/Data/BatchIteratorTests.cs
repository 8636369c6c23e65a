using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Backend.Tests.Data;

public class BatchIteratorTests
{
    /// <summary>An IDX set whose sample n is the constant n (3x3 pixels), label n % 10.</summary>
    private static DataSource Numbered(TempDir tmp, int count, int side = 3, Func<int, int, int, byte>? pixel = null)
    {
        IdxWriter.Images(tmp.File("n-images-idx3-ubyte"), count, side, side, pixel ?? ((n, _, _) => (byte)n), gzip: false);
        IdxWriter.Labels(tmp.File("n-labels-idx1-ubyte"), Enumerable.Range(0, count).Select(n => (byte)(n % 10)).ToArray(), gzip: false);
        return DataSources.Open(tmp.File("n-images-idx3-ubyte"), new Preprocessing(std: [1 / 255f]));
    }

    private static int[] SampleIds(Batch b) => Enumerable.Range(0, b.Count).Select(i => (int)Math.Round(b.Sample(i)[0])).ToArray();

    [Fact]
    public void InOrderEveryEpochVisitsEachSampleOnce()
    {
        using var tmp = RepoPaths.Temp();
        using var src = Numbered(tmp, 10);
        var it = new BatchIterator(src, 4);
        Assert.Equal(3, it.BatchesPerEpoch);
        var batches = it.Epoch().ToList();
        Assert.Equal([4, 4, 2], batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(SampleIds));
        Assert.Equal(Enumerable.Range(0, 10).Select(n => n % 10), batches.SelectMany(b => b.Labels));
        Assert.Equal(2, new BatchIterator(src, 4, dropLast: true).Epoch().Count());
    }

    [Fact]
    public void ShuffleIsSeededPerEpoch()
    {
        using var tmp = RepoPaths.Temp();
        using var src = Numbered(tmp, 50);
        int[] Order(int seed, int epoch) => new BatchIterator(src, 7, shuffleSeed: seed).Epoch(epoch).SelectMany(SampleIds).ToArray();
        var e0 = Order(1, 0);
        Assert.Equal(Enumerable.Range(0, 50), e0.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), e0);
        Assert.Equal(e0, Order(1, 0));
        Assert.NotEqual(e0, Order(1, 1));
        Assert.NotEqual(e0, Order(2, 0));
        Assert.Equal(new Shuffler(50, 1).Order(0), e0);
    }

    [Fact]
    public void CropAndFlipMoveRealPixelsAndPadWithTheFill()
    {
        using var tmp = RepoPaths.Temp();
        // Sample 0 is a 5x5 ramp: pixel (y, x) = 10*y + x + 1, never 0 or the fill.
        using var src = Numbered(tmp, 40, side: 5, pixel: (_, y, x) => (byte)(10 * y + x + 1));
        var plain = src.ReadBatch([0]).Sample(0).ToArray();
        var aug = new Augmentation(Pad: 2, Fill: 200 / 255f, HorizontalFlip: true);
        int shifted = 0, flipped = 0;
        foreach (var b in new BatchIterator(src, 8, shuffleSeed: 3, augmentation: aug).Epoch())
            for (int i = 0; i < b.Count; i++)
            {
                var s = b.Sample(i).ToArray();
                // Find the (dy, dx, flip) that explains the sample: every pixel is either the fill
                // (outside the image) or the source pixel at the shifted, possibly mirrored place.
                bool found = false;
                for (int dy = -2; dy <= 2 && !found; dy++)
                    for (int dx = -2; dx <= 2 && !found; dx++)
                        foreach (bool flip in new[] { false, true })
                        {
                            bool match = true;
                            for (int y = 0; y < 5 && match; y++)
                                for (int x = 0; x < 5 && match; x++)
                                {
                                    int sy = y + dy, sx = (flip ? 4 - x : x) + dx;
                                    float want = sy is >= 0 and < 5 && sx is >= 0 and < 5 ? plain[sy * 5 + sx] : 200;
                                    match = Math.Abs(s[y * 5 + x] - want) < 1e-3;
                                }
                            if (!match) continue;
                            found = true;
                            if (dy != 0 || dx != 0) shifted++;
                            if (flip) flipped++;
                            break;
                        }
                Assert.True(found, "augmented sample is not a padded crop / flip of the original");
            }
        Assert.InRange(shifted, 20, 40);
        Assert.InRange(flipped, 8, 32);
    }

    [Fact]
    public void ReadErrorsReachTheConsumerAndEarlyExitIsClean()
    {
        using var tmp = RepoPaths.Temp();
        Directory.CreateDirectory(tmp.File("c"));
        PngWriter.Write(tmp.File("c/0.png"), 1, 1, 1, [9]);
        File.WriteAllText(tmp.File("c/1.png"), "broken");
        using var src = DataSources.Open(tmp.Path, new Preprocessing(channels: 1, height: 1, width: 1));
        var it = new BatchIterator(src, 1);
        using (var e = it.Epoch().GetEnumerator())
        {
            Assert.True(e.MoveNext());
            Assert.Equal(9 / 255f, e.Current.Inputs[0]);
            var err = Assert.Throws<DataFormatException>(() => e.MoveNext());
            Assert.Contains("1.png", err.Message);
        }
        // Stopping after the first batch (while the broken one is being prefetched) throws nothing.
        Assert.Single(it.Epoch().Take(1));
    }
}
