using Spp.Pruning.Spp;

namespace Spp.Pruning.Tests.Spp;

public class SppGroupStateTests
{
    [Fact]
    public void StaticRankingPrunesExactlyTheLeastImportantUnitsAndNeverOvershoots()
    {
        // Importance = unit index: units 0..P-1 are the least important.
        const int width = 64, target = 32;
        var s = new SppGroupState(0, width, target, 0);
        var importance = Enumerable.Range(0, width).Select(i => (double)i).ToArray();
        int updates = 0;
        while (!s.Done && updates < 1000)
        {
            s.Update(importance);
            updates++;
            Assert.True(s.PrunedCount <= target);
        }
        Assert.True(s.Done);
        Assert.Equal(Enumerable.Range(0, target), s.Pruned);
        // spp-spec.md 2.3 convergence note: 99 updates for N = 64, R = 0.5 with a static ranking.
        Assert.InRange(updates, 90, 110);
    }

    [Fact]
    public void FinalizeTakesTheLargestProbabilities()
    {
        var s = new SppGroupState(0, 8, 3, 0);
        var importance = new double[] { 5, 1, 7, 2, 8, 3, 6, 4 };
        s.Update(importance);
        Assert.False(s.Done);
        var chosen = s.Finalize(importance);
        Assert.Equal(new[] { 1, 3, 5 }, chosen.Order());
        Assert.True(s.Done);
    }

    [Fact]
    public void MasksFollowProbabilitiesAndRetiredUnitsStayOff()
    {
        var s = new SppGroupState(0, 4, 2, 10);
        var importance = new double[] { 0, 1, 2, 3 };
        for (int i = 0; i < 30; i++) s.Update(importance);    // unit 0 and 1 gain probability
        var masks = new float[4];
        s.SampleMasks(masks, unit => 0.999);                    // U close to 1: only p < 0.001 keeps
        for (int c = 0; c < 4; c++)
            Assert.Equal(s.IsPruned(c) || s.Probabilities[c] > 0.001 ? 0f : 1f, masks[c]);
        s.SampleMasks(masks, unit => 0.0);                      // U = 0: everything alive with p < 1 keeps
        for (int c = 0; c < 4; c++) Assert.Equal(s.IsPruned(c) ? 0f : 1f, masks[c]);
    }
}
