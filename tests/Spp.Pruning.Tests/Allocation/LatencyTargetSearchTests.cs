using Spp.Pruning.Allocation;

namespace Spp.Pruning.Tests.Allocation;

/// <summary>The --target latency search with a computed "measurement" in place of ONNX Runtime.</summary>
public sealed class LatencyTargetSearchTests
{
    private const double OriginalMacs = 1e6;

    /// <summary>An allocation whose MAC speedup is exactly the target asked for.</summary>
    private static WidthAllocation AtMacs(double m) => new(new Dictionary<int, int>(), 0, OriginalMacs / m, OriginalMacs);

    /// <summary>Latency falls slower than MACs: 1 + 0.6 (m - 1).</summary>
    private static double Sluggish(WidthAllocation a) => 1 + 0.6 * (a.PredictedSpeedup - 1);

    [Theory]
    [InlineData(1.5)]
    [InlineData(2)]
    [InlineData(4)]
    public void FindsTheLeastPruningThatMeetsTheTarget(double target)
    {
        var search = new LatencyTargetSearch(AtMacs, Sluggish, maxMacSpeedup: 20);
        var step = search.Find(target);
        // With the search's margin for noise in the final check.
        double needed = 1 + (target * LatencyTargetSearch.Margin - 1) / 0.6;
        Assert.True(step.Measured >= target * LatencyTargetSearch.Margin);
        Assert.InRange(step.MacTarget, needed, needed * LatencyTargetSearch.Resolution);
        Assert.True(search.Steps.Count <= LatencyTargetSearch.MaxSteps);
    }

    [Fact]
    public void AnUnreachableTargetNamesTheBestMeasured()
    {
        var search = new LatencyTargetSearch(AtMacs, a => Math.Min(1.5, Sluggish(a)), maxMacSpeedup: 6);
        var e = Assert.Throws<UnreachableSpeedupException>(() => search.Find(2));
        Assert.Equal(1.5, e.ReachableSpeedup, 9);
        Assert.Contains("1.5x", e.Message);
        Assert.Contains(search.Steps, s => s.MacTarget >= 6 * (1 - 1e-9));
    }

    [Fact]
    public void AllocationsBeyondTheReachableAreClamped()
    {
        // The allocator can reach only 3x (fast widths reach less than any widths): the search
        // learns it from the allocator's exception and measures at 3x.
        WidthAllocation Limited(double m) => m > 3 ? throw new UnreachableSpeedupException("beyond 3x", 3) : AtMacs(m);
        var search = new LatencyTargetSearch(Limited, Sluggish, maxMacSpeedup: 10);
        Assert.Throws<UnreachableSpeedupException>(() => search.Find(2.5));
        Assert.All(search.Steps, s => Assert.True(s.MacTarget <= 3));
    }

    [Fact]
    public void TighteningStartsAboveTheLastPick()
    {
        var search = new LatencyTargetSearch(AtMacs, Sluggish, maxMacSpeedup: 20);
        var first = search.Find(2);
        // The written model measured short (noise): search again above the first pick.
        var second = search.Find(2, above: first.MacTarget, measuredAbove: 1.9);
        Assert.True(second.MacTarget > first.MacTarget);
        Assert.True(second.Measured >= 2);
    }

    [Fact]
    public void ASearchSentOnNamesOnlyItsOwnCandidates()
    {
        // The first pick measured fast enough once; sent on after the written model measured short,
        // nothing more measures above 1.5x: the message names 1.5x, not the first pick's figure.
        bool later = false;
        var search = new LatencyTargetSearch(AtMacs, a => later ? 1.5 : Sluggish(a), maxMacSpeedup: 20);
        var first = search.Find(2);
        Assert.True(first.Measured >= 2);
        later = true;
        var e = Assert.Throws<UnreachableSpeedupException>(() => search.Find(2, above: first.MacTarget, measuredAbove: 1.9));
        Assert.Equal(1.5, e.ReachableSpeedup, 9);
        Assert.Contains("ran 1.5x faster", e.Message);
    }
}
