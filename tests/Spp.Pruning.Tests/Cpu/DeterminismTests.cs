using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>
/// Same inputs, same bits: every primitive repeats exactly, and all but the convolution weight gradient
/// (summed per image chunk by Conv2d) give the same bits on any thread count, because their sums have a
/// fixed order and the thread split only decides who computes what.
/// </summary>
public sealed class DeterminismTests
{
    private static readonly ConvDesc Conv = new(6, 16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);

    /// <summary>Runs a mix of primitives large enough to split between threads; returns every output.</summary>
    private static List<float[]> Step(int threads)
    {
        using var k = new CpuKernels(threads);
        IBuffer Random(int seed, long n, float lo = -1, float hi = 1)
        {
            var b = k.Allocate(n);
            k.Upload(BackendPair.Values(seed, n, lo, hi), b);
            return b;
        }
        long xs = 6L * 16 * 14 * 14;
        var x = Random(1, xs);
        var w = Random(2, 16 * 16 * 9);
        var y = Random(3, xs);
        var dx = Random(4, xs);
        var dw = Random(5, 16 * 16 * 9);
        k.ConvForward(Conv, x, w, null, y);
        k.ConvBackwardData(Conv, y, w, dx, accumulate: true);
        k.ConvBackwardWeights(Conv, x, y, dw, null, accumulate: true);

        var bn = new BatchNormDesc(64, 16, 1024, 1e-5f, 0.9f);
        long n = 64L * 16 * 1024;
        var big = Random(6, n, 1, 3);
        var stats = Enumerable.Range(0, 4).Select(i => Random(10 + i, 16, 0.5f, 1.5f)).ToArray();
        var bnY = Random(14, n);
        k.BatchNormForward(bn, true, big, stats[0], stats[1], stats[2], stats[3], Random(15, 16), Random(16, 16), bnY);
        var dgamma = Random(17, 16);
        var dbeta = Random(18, 16);
        var bnDx = Random(19, n);
        k.BatchNormBackward(bn, big, bnY, stats[0], stats[2], stats[3], bnDx, dgamma, dbeta, accumulate: true);

        var shape = new[] { 64, 16, 32, 32 };
        var bias = Random(20, 16);
        var d = new BroadcastDesc(shape, shape, [1, 16, 1, 1]);
        var sum = Random(21, n);
        var dbias = Random(22, 16);
        k.Binary(BinaryOp.Mul, d, big, bias, sum);
        k.BinaryBackward(BinaryOp.Mul, d, big, bias, sum, null, dbias);
        var reduced = Random(23, 16 * 32);
        k.Reduce(new ReduceDesc(shape, [1, 16, 32, 1], 0.5f), sum, reduced, accumulate: true);
        var soft = Random(24, n);
        k.Softmax(new SoftmaxDesc(1024, 64, 16, false), big, soft);
        var unary = Random(25, n);
        k.Unary(UnaryOp.Tanh, 0, 0, big, unary, n);
        var sums = Random(26, 16);
        k.AxisDot(new AxisMask(stats[0], 1024, 16), big, soft, sums, n);

        return new[] { y, dx, dw, bnY, bnDx, dgamma, dbeta, stats[2], stats[3], sum, dbias, reduced, soft, unary, sums }
            .Select(b => { var a = new float[b.Length]; k.Download(b, a); return a; }).ToList();
    }

    [Fact]
    public void Repeats_exactly_and_matches_across_thread_counts()
    {
        var one = Step(1);
        Assert.Equal(one, Step(1));
        var two = Step(2);
        Assert.Equal(two, Step(2));
        var three = Step(3);
        // Index 2 is the convolution weight gradient, whose per-chunk sums follow the thread count.
        for (int i = 0; i < one.Count; i++)
        {
            if (i == 2) continue;
            Assert.True(one[i].AsSpan().SequenceEqual(two[i]), $"output {i}: 1 and 2 threads differ");
            Assert.True(one[i].AsSpan().SequenceEqual(three[i]), $"output {i}: 1 and 3 threads differ");
        }
    }
}
