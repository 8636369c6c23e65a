using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class BatchNormTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 3, 5, 37 },
        { 4, 3, 1 },
        { 1, 2, 5 },
        { 16, 8, 1000 },
        { 2, 3, 9000 },
    };

    /// <summary>Inputs centred far from zero (mean 3, spread 1): one-pass variance formulas would cancel here.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Training_forward_statistics_and_backward_match_the_reference(int n, int c, int spatial)
    {
        var d = new BatchNormDesc(n, c, spatial, 1e-5f, 0.9f);
        long count = (long)n * c * spatial;
        using var p = new BackendPair();
        var x = p.Random(1, count, 2, 4);
        var gamma = p.Random(2, c, 0.5f, 1.5f);
        var beta = p.Random(3, c);
        var rm = p.Random(4, c);
        var rv = p.Random(5, c, 0.5f, 2);
        var sm = p.Random(6, c);
        var si = p.Random(7, c);
        var y = p.Random(8, count);
        p.Run((k, t) => k.BatchNormForward(d, true, t(x), t(gamma), t(beta), t(rm), t(rv), t(sm), t(si), t(y)));
        foreach (var (buffer, what) in new[] { (y, "y"), (sm, "saved mean"), (si, "saved inverse std"), (rm, "running mean"), (rv, "running variance") })
            p.Close(buffer, what);

        // Backward from the reference's saved statistics on both sides.
        var (refMean, _) = p.Contents(sm);
        var (refInv, _) = p.Contents(si);
        var mean = p.Of(refMean);
        var inv = p.Of(refInv);
        var dy = p.Random(9, count);
        var dgamma = p.Random(10, c);
        var dbeta = p.Random(11, c);
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = p.Random(12, count);
            p.Run((k, t) => k.BatchNormBackward(d, t(x), t(dy), t(gamma), t(mean), t(inv), t(dx), t(dgamma), t(dbeta), accumulate));
            p.Close(dx, $"dx, accumulate {accumulate}");
        }
        p.Close(dgamma, "dgamma");
        p.Close(dbeta, "dbeta");
    }

    [Fact]
    public void Inference_uses_running_statistics_and_updates_nothing()
    {
        var d = new BatchNormDesc(3, 4, 50, 1e-3f, 0.9f);
        using var p = new BackendPair();
        var x = p.Random(1, 600, -3, 3);
        var gamma = p.Random(2, 4);
        var beta = p.Random(3, 4);
        var rm = p.Random(4, 4);
        var rv = p.Random(5, 4, 0.5f, 2);
        var sm = p.Random(6, 4);
        var si = p.Random(7, 4);
        var y = p.Random(8, 600);
        p.Run((k, t) => k.BatchNormForward(d, false, t(x), t(gamma), t(beta), t(rm), t(rv), t(sm), t(si), t(y)));
        p.Close(y, "y");
        p.Equal(rm, "running mean");
        p.Equal(rv, "running variance");
    }
}
