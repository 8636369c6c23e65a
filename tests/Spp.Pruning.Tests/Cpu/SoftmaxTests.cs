using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class SoftmaxTests
{
    public static TheoryData<int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (var (o, a, i) in new[] { (5, 13, 1), (3, 7, 11), (2, 40, 17), (1, 1, 1), (200, 1000, 1), (4, 3, 33) })
        {
            data.Add(o, a, i, false);
            data.Add(o, a, i, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_the_reference(int outer, int axis, int inner, bool log)
    {
        var d = new SoftmaxDesc(outer, axis, inner, log);
        long count = (long)outer * axis * inner;
        using var p = new BackendPair();
        var x = p.Random(1, count, -8, 8);
        var y = p.Random(2, count);
        p.Run((k, t) => k.Softmax(d, t(x), t(y)));
        p.Close(y, "y");
        var (refY, _) = p.Contents(y);
        var yRef = p.Of(refY);
        var dy = p.Random(3, count);
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = p.Random(4, count);
            p.Run((k, t) => k.SoftmaxBackward(d, t(yRef), t(dy), t(dx), accumulate));
            p.Close(dx, $"dx, accumulate {accumulate}");
        }
    }

    public static TheoryData<int, int, float, bool> CrossEntropyCases => new()
    {
        { 7, 10, 1f, true },
        { 7, 10, 4f, false },
        { 128, 10, 1f, true },
        { 3, 1000, 2f, false },
        { 1, 1, 1f, true },
        { 300, 37, 3f, false },
    };

    [Theory]
    [MemberData(nameof(CrossEntropyCases))]
    public void Cross_entropy_matches_the_reference(int n, int k, float temperature, bool hard)
    {
        using var p = new BackendPair();
        var z = p.Random(1, (long)n * k, -6, 6);
        var raw = BackendPair.Values(2, (long)n * k, 0, 1);
        var rng = new Random(3);
        for (int r = 0; r < n; r++)
        {
            var row = raw.AsSpan(r * k, k);
            if (hard)
            {
                row.Clear();
                row[rng.Next(k)] = 1;
                continue;
            }
            float sum = 0;
            foreach (float v in row) sum += v;
            for (int j = 0; j < k; j++) row[j] /= sum;
        }
        var targets = p.Of(raw);
        var losses = p.Random(4, n);
        var dz = p.Random(5, (long)n * k);
        var lossesOnly = p.Random(6, n);
        p.Run((kk, t) =>
        {
            kk.SoftCrossEntropy(n, k, temperature, t(z), t(targets), t(losses), t(dz), 2.5f);
            kk.SoftCrossEntropy(n, k, temperature, t(z), t(targets), t(lossesOnly), null, 1f);
        });
        p.Close(losses, "losses");
        p.Close(dz, "dlogits");
        p.Close(lossesOnly, "losses without gradient");
    }
}
