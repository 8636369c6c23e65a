using Spp.Pruning.Allocation;

namespace Spp.Pruning.Tests.Allocation;

/// <summary>The rungs a group's width may take; multiples of Q must reproduce spp-spec 4 step 3's
/// rounding (up to a multiple of Q, never above the width).</summary>
public sealed class WidthLadderTests
{
    [Fact]
    public void MultiplesRoundUpAsTheSpecSays()
    {
        for (int width = 1; width <= 40; width++)
            for (int q = 1; q <= 9; q++)
            {
                var ladder = WidthLadder.Multiples(width, q);
                Assert.Equal(width, ladder.Width);
                for (int k = 1; k <= width; k++)
                {
                    Assert.Equal(Math.Min(width, (k + q - 1) / q * q), ladder.AtLeast(k));
                    int? next = Enumerable.Range(k + 1, width - k).Cast<int?>().FirstOrDefault(w => w % q == 0 || w == width);
                    Assert.Equal(next, ladder.Above(k));
                }
            }
    }

    [Fact]
    public void RungsAreAscendingDistinctAndEndAtTheWidth()
    {
        var ladder = new WidthLadder(20, [16, 3, 3, 0, 25, 20, 8]);
        Assert.Equal([3, 8, 16, 20], ladder.Rungs);
        Assert.Equal(3, ladder.AtLeast(1));
        Assert.Equal(16, ladder.AtLeast(9));
        Assert.Equal(20, ladder.AtLeast(17));
        Assert.Equal(20, ladder.AtLeast(30));
        Assert.Equal(8, ladder.Above(3));
        Assert.Null(ladder.Above(20));
    }
}
