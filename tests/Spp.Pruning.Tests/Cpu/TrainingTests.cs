using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>Channel masks, per-unit statistics, dropout masks and SGD with frozen slices.</summary>
public sealed class TrainingTests
{
    /// <summary>A 0/1 mask with zeros at every third unit.</summary>
    private static float[] Mask(int period) => Enumerable.Range(0, period).Select(i => i % 3 == 1 ? 0f : 1f).ToArray();

    public static TheoryData<int, int, int> Axes => new()
    {
        { 4, 6, 9 },
        { 7, 10, 1 },
        { 1, 5, 300 },
        { 64, 16, 1024 },
    };

    [Theory]
    [MemberData(nameof(Axes))]
    public void Apply_mask_and_axis_dot_match_the_reference(int outer, int period, int inner)
    {
        long count = (long)outer * period * inner;
        using var p = new BackendPair();
        var mask = p.Of(Mask(period));
        var x = p.Random(1, count);
        var y = p.Random(2, count);
        var b = p.Random(3, count);
        var sums = p.Random(4, period);
        p.Run((k, t) =>
        {
            var m = new AxisMask(t(mask), inner, period);
            k.ApplyMask(m, t(x), t(y), count);
            k.AxisDot(m, t(x), t(b), t(sums), count);
        });
        p.Equal(y, "masked");
        p.Close(sums, "per-unit sums");
    }

    [Fact]
    public void Random_mask_is_the_references_bit_for_bit()
    {
        using var p = new BackendPair();
        var mask = p.Random(1, 100_003);
        p.Run((k, t) => k.RandomMask(t(mask), 100_003, 0.7f, 12345, 678));
        p.Equal(mask, "dropout mask");
    }

    public static TheoryData<bool, bool> SgdCases => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    /// <summary>A [6, 4, 3, 3] weight frozen by an output-channel and an input-channel mask, and a wide
    /// unmasked one that splits between threads.</summary>
    [Theory]
    [MemberData(nameof(SgdCases))]
    public void Sgd_matches_the_reference_and_keeps_frozen_slices(bool nesterov, bool masked)
    {
        using var p = new BackendPair();
        foreach (long count in new long[] { 216, 100_000 })
        {
            var w = p.Random(1, count);
            var g = p.Random(2, count);
            var v = p.Random(3, count);
            var outputs = p.Of(Mask(6));
            var inputs = p.Of([1, 1, 0, 1]);
            var bias = p.Of(Mask(count == 216 ? 216 : 100_000));
            var d = new SgdDesc(count, 0.1f, 0.9f, 5e-4f, nesterov);
            p.Run((k, t) => k.Sgd(d, t(w), t(g), t(v), !masked ? [] : count == 216
                ? [new AxisMask(t(outputs), 36, 6), new AxisMask(t(inputs), 9, 4)]
                : [new AxisMask(t(bias), 1, count)]));
            p.Close(w, $"weights ({count})", 1e-6);
            p.Close(v, $"velocity ({count})", 1e-6);
            p.Equal(w, $"weights bit for bit ({count})");
        }
    }
}
