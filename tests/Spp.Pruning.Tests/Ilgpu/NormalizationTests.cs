using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>BatchNorm (training and inference forward, backward in both accumulate modes), pooling
/// with argmax and overlapping windows, softmax / log-softmax and the soft cross-entropy, against
/// the reference.</summary>
[Collection(IlgpuCollection.Name)]
public class NormalizationTests(IlgpuFixture f) : BackendComparison(f)
{
    /// <summary>Spatial 13 gives short rows (N * Spatial = 26, one thread per channel); 40 long ones
    /// (a group per channel). The input's mean of 3 against a spread of 1 tests the two-pass variance.</summary>
    [Theory]
    [InlineData(2, 3, 13)]
    [InlineData(2, 3, 40)]
    public void BatchNorm(int n, int c, int spatial)
    {
        var d = new BatchNormDesc(n, c, spatial, 1e-5f, 0.9f);
        long count = (long)n * c * spatial;
        var x = Random(count, 1, 2f, 4f);
        var gamma = Random(c, 2, 0.5f, 1.5f);
        var beta = Random(c, 3);
        var runningMean = Random(c, 4);
        var runningVar = Random(c, 5, 0.5f, 2f);
        var saveMean = Random(c, 6);
        var saveInvStd = Random(c, 7);
        var y = Random(count, 8);
        foreach (var training in new[] { false, true })
        {
            G.BatchNormForward(d, training, x.Gpu, gamma.Gpu, beta.Gpu, runningMean.Gpu, runningVar.Gpu, saveMean.Gpu, saveInvStd.Gpu, y.Gpu);
            R.BatchNormForward(d, training, x.Reference, gamma.Reference, beta.Reference, runningMean.Reference, runningVar.Reference,
                saveMean.Reference, saveInvStd.Reference, y.Reference);
            AssertClose(y, 1e-4, $"y training={training}");
            AssertClose(runningMean, what: "running mean");
            AssertClose(runningVar, what: "running var");
        }
        AssertClose(saveMean, what: "saved mean");
        AssertClose(saveInvStd, 1e-4, "saved inverse std");
        var dy = Random(count, 9);
        foreach (var accumulate in new[] { false, true })
        {
            var dx = Random(count, 10);
            var dgamma = Random(c, 11);
            var dbeta = Random(c, 12);
            G.BatchNormBackward(d, x.Gpu, dy.Gpu, gamma.Gpu, saveMean.Gpu, saveInvStd.Gpu, dx.Gpu, dgamma.Gpu, dbeta.Gpu, accumulate);
            R.BatchNormBackward(d, x.Reference, dy.Reference, gamma.Reference, saveMean.Reference, saveInvStd.Reference,
                dx.Reference, dgamma.Reference, dbeta.Reference, accumulate);
            AssertClose(dx, 1e-4, $"dx accumulate={accumulate}");
            AssertClose(dgamma, what: "dgamma");
            AssertClose(dbeta, what: "dbeta");
        }
    }

    public static TheoryData<string, PoolDesc> Pools => new()
    {
        { "max 3x3 s2 overlapping", new PoolDesc(PoolKind.Max, 2, 2, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 4, 3, false) },
        { "max dilated, window past the padding", new PoolDesc(PoolKind.Max, 1, 2, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, 3, 3, false, 2, 2) },
        { "average counting padding", new PoolDesc(PoolKind.Average, 2, 2, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3, true) },
        { "average ceil-mode window", new PoolDesc(PoolKind.Average, 1, 3, 5, 5, 2, 2, 2, 2, 0, 0, 0, 0, 3, 3, true) },
        { "average excluding padding", new PoolDesc(PoolKind.Average, 2, 2, 5, 6, 3, 2, 1, 2, 1, 0, 1, 1, 5, 4, false) },
        { "max window on padding only", new PoolDesc(PoolKind.Max, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2, false) },
    };

    [Theory]
    [MemberData(nameof(Pools))]
    public void Pool(string name, PoolDesc d)
    {
        var x = Random((long)d.N * d.C * d.H * d.W, 13);
        long outCount = (long)d.N * d.C * d.OutH * d.OutW;
        var y = Random(outCount, 14);
        var argmax = Random(outCount, 15);
        var max = d.Kind == PoolKind.Max;
        G.PoolForward(d, x.Gpu, y.Gpu, max ? argmax.Gpu : null);
        R.PoolForward(d, x.Reference, y.Reference, max ? argmax.Reference : null);
        AssertClose(y, what: $"{name} y");
        if (max) AssertIdentical(argmax);
        var dy = Random(outCount, 16);
        var dx = Random(x.Length, 17);
        G.PoolBackward(d, dy.Gpu, max ? argmax.Gpu : null, dx.Gpu);
        R.PoolBackward(d, dy.Reference, max ? argmax.Reference : null, dx.Reference);
        AssertClose(dx, what: $"{name} dx");
    }

    [Theory]
    [InlineData(3, 5, 1, false)]
    [InlineData(2, 4, 3, false)]
    [InlineData(2, 6, 2, true)]
    public void Softmax(int outer, int axis, int inner, bool log)
    {
        var d = new SoftmaxDesc(outer, axis, inner, log);
        long count = (long)outer * axis * inner;
        var x = Random(count, 18, -3f, 3f);
        var y = Random(count, 19);
        G.Softmax(d, x.Gpu, y.Gpu);
        R.Softmax(d, x.Reference, y.Reference);
        AssertClose(y, what: "y");
        var dy = Random(count, 20);
        foreach (var accumulate in new[] { false, true })
        {
            var dx = Random(count, 21);
            // Both backends differentiate at the reference's y, so only the backward is compared.
            G.Upload(Download(R, y.Reference, count), y.Gpu);
            G.SoftmaxBackward(d, y.Gpu, dy.Gpu, dx.Gpu, accumulate);
            R.SoftmaxBackward(d, y.Reference, dy.Reference, dx.Reference, accumulate);
            AssertClose(dx, what: $"dx accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(true, 1f)]
    [InlineData(false, 1f)]
    [InlineData(false, 4f)]
    public void SoftCrossEntropy(bool hardTargets, float temperature)
    {
        const int n = 5, k = 7;
        var logits = Random(n * k, 22, -4f, 4f);
        var t = new float[n * k];
        var rng = new Random(23);
        for (var r = 0; r < n; r++)
        {
            if (hardTargets) { t[r * k + rng.Next(k)] = 1f; continue; }
            var row = Values(k, 24 + r, 0.01f, 1f);
            var sum = row.Sum();
            for (var j = 0; j < k; j++) t[r * k + j] = row[j] / sum;
        }
        var targets = Of(t);
        var losses = Random(n, 30);
        var dlogits = Random(n * k, 31);
        G.SoftCrossEntropy(n, k, temperature, logits.Gpu, targets.Gpu, losses.Gpu, dlogits.Gpu, 2f);
        R.SoftCrossEntropy(n, k, temperature, logits.Reference, targets.Reference, losses.Reference, dlogits.Reference, 2f);
        AssertClose(losses, what: "losses");
        AssertClose(dlogits, what: "dlogits");
        var lossesOnly = Random(n, 32);
        G.SoftCrossEntropy(n, k, temperature, logits.Gpu, targets.Gpu, lossesOnly.Gpu, null, 1f);
        R.SoftCrossEntropy(n, k, temperature, logits.Reference, targets.Reference, lossesOnly.Reference, null, 1f);
        AssertClose(lossesOnly, what: "losses without gradient");
    }
}
