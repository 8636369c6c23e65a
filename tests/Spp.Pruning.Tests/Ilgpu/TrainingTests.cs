using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>Channel masks (ApplyMask, AxisDot), dropout masks identical to the reference's bit for
/// bit (the shared CounterRandom compiled into the kernel), and SGD with freeze masks.</summary>
[Collection(IlgpuCollection.Name)]
public class TrainingTests(IlgpuFixture f) : BackendComparison(f)
{
    static float[] ZeroOneMask(int length, int seed) =>
        Values(length, seed).Select(v => v < 0 ? 0f : 1f).ToArray();

    /// <summary>A [4, 6, 3, 2] tensor masked along axis 1 (Inner 6); axis 0 (Inner 36) makes AxisDot's
    /// rows long (72 terms, a group per unit), axis 1 short (24 terms, one thread per unit).</summary>
    [Theory]
    [InlineData(6L, 6L)]
    [InlineData(36L, 4L)]
    public void MaskAndAxisDot(long inner, long period)
    {
        const int count = 4 * 6 * 3 * 2;
        var mask = Of(ZeroOneMask((int)period, 1));
        var x = Random(count, 2);
        var y = Random(count, 3);
        G.ApplyMask(new AxisMask(mask.Gpu, inner, period), x.Gpu, y.Gpu, count);
        R.ApplyMask(new AxisMask(mask.Reference, inner, period), x.Reference, y.Reference, count);
        AssertIdentical(y);
        var sums = Random(period, 4);
        G.AxisDot(new AxisMask(mask.Gpu, inner, period), x.Gpu, y.Gpu, sums.Gpu, count);
        R.AxisDot(new AxisMask(mask.Reference, inner, period), x.Reference, y.Reference, sums.Reference, count);
        AssertClose(sums);
    }

    [Fact]
    public void RandomMaskIsTheReferences()
    {
        const int count = 1000;
        foreach (var (keep, seed, offset) in new[] { (0.5f, 1UL, 0UL), (0.9f, 0xDEADBEEFCAFEUL, 123456789012UL), (0.25f, ulong.MaxValue, ulong.MaxValue - 500) })
        {
            var mask = Random(count, 5);
            G.RandomMask(mask.Gpu, count, keep, seed, offset);
            R.RandomMask(mask.Reference, count, keep, seed, offset);
            AssertIdentical(mask);
            var kept = Download(G, mask.Gpu, count).Count(v => v != 0);
            Assert.InRange(kept, count * keep - 60, count * keep + 60);
        }
    }

    /// <summary>0 masks, 2 masks (inline in the kernel) and 5 (beyond its capacity: multiplied into one
    /// scratch mask first), plain, with momentum and weight decay, and Nesterov. Frozen elements keep
    /// weight and velocity, which is also checked directly.</summary>
    [Theory]
    [InlineData(0, 0f, 0f, false)]
    [InlineData(2, 0.9f, 1e-2f, false)]
    [InlineData(5, 0.9f, 1e-2f, true)]
    public void SgdFreezesMaskedElements(int masks, float momentum, float decay, bool nesterov)
    {
        // A conv weight [6, 4, 3, 3]: masks along the output (Inner 36) and input (Inner 9) channels.
        const int count = 6 * 4 * 3 * 3;
        var shapes = new (long Inner, long Period)[] { (36, 6), (9, 4), (36, 6), (3, 3), (1, 3) };
        var freeze = Enumerable.Range(0, masks).Select(i => (Twin: Of(ZeroOneMask((int)shapes[i].Period, 10 + i)), shapes[i].Inner, shapes[i].Period)).ToList();
        var w = Random(count, 6);
        var grad = Random(count, 7);
        var velocity = Random(count, 8);
        var before = Download(R, w.Reference, count);
        var velocityBefore = Download(R, velocity.Reference, count);
        var d = new SgdDesc(count, 0.1f, momentum, decay, nesterov);
        for (var step = 0; step < 2; step++)
        {
            G.Sgd(d, w.Gpu, grad.Gpu, velocity.Gpu, freeze.Select(m => new AxisMask(m.Twin.Gpu, m.Inner, m.Period)).ToList());
            R.Sgd(d, w.Reference, grad.Reference, velocity.Reference, freeze.Select(m => new AxisMask(m.Twin.Reference, m.Inner, m.Period)).ToList());
        }
        AssertClose(w, what: "weights");
        AssertClose(velocity, what: "velocity");
        var after = Download(G, w.Gpu, count);
        var velocityAfter = Download(G, velocity.Gpu, count);
        var frozen = 0;
        for (var e = 0; e < count; e++)
        {
            var isFrozen = freeze.Any(m => Download(R, m.Twin.Reference, m.Period)[e / m.Inner % m.Period] == 0);
            if (!isFrozen) { Assert.NotEqual(before[e], after[e]); continue; }
            frozen++;
            Assert.Equal(before[e], after[e]);
            Assert.Equal(velocityBefore[e], velocityAfter[e]);
        }
        if (masks > 0) Assert.InRange(frozen, 1, count - 1);
    }
}
