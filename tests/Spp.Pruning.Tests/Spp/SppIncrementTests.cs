using Spp.Pruning.Spp;

namespace Spp.Pruning.Tests.Spp;

/// <summary>The properties spp-spec.md 2.1 states of the increment function, checked numerically.</summary>
public class SppIncrementTests
{
    public static TheoryData<int> Remaining => [1, 2, 5, 16, 64, 513];

    [Theory]
    [MemberData(nameof(Remaining))]
    public void AnchorsSymmetryAndMonotonicity(int n)
    {
        const double a = SppIncrement.DefaultA, u = SppIncrement.DefaultU;
        double alpha = Math.Log(2 / u) / n, nc = -Math.Log(u) / alpha;
        Assert.Equal(a, SppIncrement.Delta(0, n), 12);
        Assert.Equal(u * a, SppIncrement.Delta(nc, n), 12);
        Assert.Equal(0, SppIncrement.Delta(n, n), 12);
        Assert.Equal(2.0 * n / 3, nc, 9);                     // N_c = 2n/3 for u = 0.25
        for (double x = 0; x <= nc; x += nc / 7)
            Assert.Equal(2 * u * a, SppIncrement.Delta(nc - x, n) + SppIncrement.Delta(nc + x, n), 12);
        double prev = double.MaxValue;
        for (double r = 0; r <= 3 * n; r += 0.25)
        {
            double d = SppIncrement.Delta(r, n);
            // Past the overflow guard Δ is held at -1 (p clamps to 0 there anyway).
            Assert.True(d < prev || d == -1, $"not decreasing at r = {r}");
            if (r > n) Assert.True(d <= 0);
            prev = d;
        }
    }

    [Fact]
    public void FarRanksDoNotOverflow()
    {
        Assert.Equal(-1, SppIncrement.Delta(1e6, 3));
        Assert.True(double.IsFinite(SppIncrement.Delta(1e9, 1000)));
    }
}
