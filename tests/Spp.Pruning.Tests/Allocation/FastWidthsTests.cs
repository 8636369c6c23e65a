using Spp.Pruning.Allocation;

namespace Spp.Pruning.Tests.Allocation;

/// <summary>The lower envelope of measured cost over width, against its definition computed
/// directly: a width is a rung when every wider measured width costs more than it, those at least
/// NearChannels wider by the tolerance and by the payoff's share of the width it gives up, and the
/// widths just above it were measured.</summary>
public sealed class FastWidthsTests
{
    /// <summary>Cost in the shape ONNX Runtime's blocked CPU convolutions give: a step per 16
    /// channels, and widths that are not multiples of 4 much slower.</summary>
    public static double Blocked(int w) => Math.Ceiling(w / 16.0) + (w % 4 == 0 ? 0 : 1.5);

    [Fact]
    public void BlockedCostsKeepTheWidestWidthOfEachStep()
    {
        var costs = Enumerable.Range(17, 48).ToDictionary(w => w, Blocked);
        var ladder = FastWidths.Ladder(64, costs);
        // Below the narrowest width measured (17) the widths are not known: every width stays.
        Assert.Equal([.. Enumerable.Range(1, 16), 32, 48, 64], ladder.Rungs);
    }

    [Fact]
    public void TheTopOfAMeasuredRangeIsNotJudged()
    {
        // 17..40 and 64 measured: 40 beats every wider width measured, but nothing within 16
        // above it was measured (48 would run as fast as 40), so 40 is not judged; 32 is.
        var costs = Enumerable.Range(17, 24).Append(64).ToDictionary(w => w, Blocked);
        Assert.Equal([.. Enumerable.Range(1, 16), 32, 64], FastWidths.Ladder(64, costs, lookahead: 16).Rungs);
        Assert.Equal([.. Enumerable.Range(1, 16), 32, 40, 64], FastWidths.Ladder(64, costs, lookahead: 0).Rungs);
    }

    [Fact]
    public void WidthsThatSaveLittleForWhatTheyRemoveAreLeftOut()
    {
        // 20 of 32 channels run 6% faster than 32: 37% of the width for 6% of the time.
        var costs = new Dictionary<int, double> { [16] = 0.67, [20] = 0.94, [24] = 0.99, [28] = 1.0, [32] = 1.0 };
        Assert.Equal([16, 32], FastWidths.Envelope(32, costs, lookahead: 0));
        Assert.Equal([16, 20, 32], FastWidths.Envelope(32, costs, lookahead: 0, payoff: 0));
    }

    [Fact]
    public void ASmoothSlopeKeepsItsWidthsWhenThePayoffIsDropped()
    {
        // resnet20's 16-channel stream at batch 64 as measured: each channel saves 2-6%, less than the
        // tolerance against the next width up. Without the payoff every width that runs faster than all
        // wider ones and 5% faster than those 4 or more wider is kept (not 10: it ran slower than 11);
        // with it, none below 16 (8 channels would have to save a quarter of the time).
        var costs = new Dictionary<int, double>
        {
            [4] = 0.7281, [5] = 0.8084, [6] = 0.8252, [7] = 0.8563, [8] = 0.8591, [9] = 0.9041, [10] = 0.9501,
            [11] = 0.9455, [12] = 0.9725, [13] = 1.0086, [14] = 1.0648, [15] = 1.067, [16] = 1,
        };
        Assert.Equal([4, 5, 6, 7, 8, 9, 11, 16], FastWidths.Envelope(16, costs, payoff: 0));
        Assert.Equal([16], FastWidths.Envelope(16, costs));
    }

    [Fact]
    public void RoundToLeavesOutWidthsThatAreNotMultiples()
    {
        var costs = Enumerable.Range(1, 64).ToDictionary(w => w, w => (double)w);
        var ladder = FastWidths.Ladder(64, costs, roundTo: 8, tolerance: 0);
        Assert.Equal([8, 16, 24, 32, 40, 48, 56, 64], ladder.Rungs);
    }

    [Fact]
    public void NoCostsGiveThePlainLadder()
    {
        Assert.Equal(WidthLadder.Multiples(30, 4).Rungs, FastWidths.Ladder(30, new Dictionary<int, double>(), 4).Rungs);
    }

    [Fact]
    public void RandomCostsMatchTheDefinition()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            int width = rng.Next(2, 80), q = rng.Next(1, 5);
            double tolerance = rng.NextDouble() * 0.1;
            var costs = Enumerable.Range(1, width).Where(_ => rng.NextDouble() < 0.6).ToDictionary(w => w, _ => 0.2 + rng.NextDouble());

            int lookahead = rng.Next(1, 20);
            double payoff = rng.NextDouble();
            var ladder2 = FastWidths.Ladder(width, costs, q, tolerance, lookahead: lookahead, payoff: payoff);

            var usable = costs.Where(kv => kv.Key % q == 0 || kv.Key == width).ToDictionary();
            int narrowest = usable.Count == 0 ? int.MaxValue : usable.Keys.Min();
            var expected = new SortedSet<int> { width };
            foreach (var (w, c) in usable)
                if (usable.Where(o => o.Key > w).All(o => o.Key - w < FastWidths.NearChannels
                        ? c < o.Value : c < o.Value * (1 - tolerance) && c < o.Value * (1 - payoff * (o.Key - w) / o.Key))
                    && (w == width || usable.Keys.Any(v => v > w && v <= w + lookahead)))
                    expected.Add(w);
            for (int w = q; w < Math.Min(narrowest, width); w += q) expected.Add(w);
            Assert.Equal(expected, ladder2.Rungs);

            // Never a width that a wider measured width runs as fast.
            foreach (int w in ladder2.Rungs.Where(w => w >= narrowest && w < width))
                Assert.DoesNotContain(usable, o => o.Key > w && o.Value <= usable[w]);
        }
    }

    [Fact]
    public void BelowTheFastestOnlyWidthsFasterThanEveryWiderOneJoin()
    {
        // A 32-channel group as ONNX Runtime runs it on AVX-512 (resnet20's second stage): 16
        // channels fill one block and run faster than 12-15, which leave it; 8-11 run faster still.
        var costs = new Dictionary<int, double>
        {
            [8] = 0.545, [9] = 0.56, [10] = 0.577, [11] = 0.582, [12] = 0.61, [13] = 0.622, [14] = 0.636, [15] = 0.652,
            [16] = 0.584, [20] = 1.0, [24] = 1.01, [28] = 1.0, [32] = 1,
        };
        Assert.Equal([.. Enumerable.Range(1, 7), 16, 32], FastWidths.Ladder(32, costs).Rungs);
        Assert.Equal([.. Enumerable.Range(1, 11), 16, 32], FastWidths.Ladder(32, costs, below: BelowFastest.Undominated).Rungs);
        Assert.Equal([.. Enumerable.Range(1, 15), 16, 32], FastWidths.Ladder(32, costs, below: BelowFastest.Any).Rungs);
    }

    [Fact]
    public void RelaxedLaddersMatchTheirDefinition()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            int width = rng.Next(2, 80), q = rng.Next(1, 5);
            var costs = Enumerable.Range(1, width).Where(_ => rng.NextDouble() < 0.6).ToDictionary(w => w, _ => 0.2 + rng.NextDouble());
            var usable = costs.Where(kv => kv.Key % q == 0 || kv.Key == width).ToDictionary();
            if (usable.Count == 0) continue;
            var fast = FastWidths.Envelope(width, costs, q);
            int fastest = fast.DefaultIfEmpty(width).Min(), narrowest = usable.Keys.Min();
            var plainBelow = WidthLadder.Multiples(width, q).Rungs.Where(w => w < fastest).ToList();

            Assert.Equal(new SortedSet<int>(fast.Concat(plainBelow).Append(width)), FastWidths.Ladder(width, costs, q, below: BelowFastest.Any).Rungs);
            var undominated = plainBelow.Where(w => w < narrowest || (usable.TryGetValue(w, out double c) && usable.Where(o => o.Key > w).All(o => c < o.Value)));
            var ladder = FastWidths.Ladder(width, costs, q, below: BelowFastest.Undominated);
            Assert.Equal(new SortedSet<int>(fast.Concat(undominated).Append(width)), ladder.Rungs);
            foreach (int w in ladder.Rungs.Where(w => w >= narrowest && w < width))
                Assert.DoesNotContain(usable, o => o.Key > w && o.Value <= usable[w]);
        }
    }
}
