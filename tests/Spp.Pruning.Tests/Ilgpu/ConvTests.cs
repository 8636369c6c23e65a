using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>Convolution forward, data and weight gradients against the reference's direct loops:
/// im2col + GEMM (grouped, strided, dilated, asymmetric padding), the pointwise path that skips
/// im2col, the direct depthwise kernels (with a channel multiplier), chunked im2col, and both
/// accumulate modes.</summary>
[Collection(IlgpuCollection.Name)]
public class ConvTests(IlgpuFixture f) : BackendComparison(f)
{
    public static TheoryData<string, ConvDesc> Cases => new()
    {
        { "grouped strided dilated", new ConvDesc(2, 4, 7, 6, 6, 3, 2, 2, 1, 1, 0, 2, 1, 2, 1, 2) },
        { "pointwise", new ConvDesc(2, 3, 4, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1) },
        { "strided pointwise", new ConvDesc(2, 3, 5, 5, 4, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1) },
        { "depthwise x2", new ConvDesc(2, 3, 6, 5, 6, 3, 3, 1, 2, 1, 1, 1, 0, 1, 1, 3) },
        { "depthwise dilated", new ConvDesc(1, 4, 7, 7, 4, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2, 4) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardWithAndWithoutBias(string name, ConvDesc d)
    {
        var x = Random((long)d.N * d.Cin * d.H * d.W, 1);
        var w = Random((long)d.Cout * (d.Cin / d.Groups) * d.Kh * d.Kw, 2);
        var bias = Random(d.Cout, 3);
        var outCount = (long)d.N * d.Cout * d.OutH * d.OutW;
        foreach (var withBias in new[] { true, false })
        {
            var y = Random(outCount, 4);
            G.ConvForward(d, x.Gpu, w.Gpu, withBias ? bias.Gpu : null, y.Gpu);
            R.ConvForward(d, x.Reference, w.Reference, withBias ? bias.Reference : null, y.Reference);
            AssertClose(y, what: $"{name} bias={withBias}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients(string name, ConvDesc d)
    {
        var x = Random((long)d.N * d.Cin * d.H * d.W, 5);
        var w = Random((long)d.Cout * (d.Cin / d.Groups) * d.Kh * d.Kw, 6);
        var dy = Random((long)d.N * d.Cout * d.OutH * d.OutW, 7);
        foreach (var accumulate in new[] { false, true })
        {
            var dx = Random(x.Length, 8);
            var dw = Random(w.Length, 9);
            var db = Random(d.Cout, 10);
            G.ConvBackwardData(d, dy.Gpu, w.Gpu, dx.Gpu, accumulate);
            R.ConvBackwardData(d, dy.Reference, w.Reference, dx.Reference, accumulate);
            G.ConvBackwardWeights(d, x.Gpu, dy.Gpu, dw.Gpu, db.Gpu, accumulate);
            R.ConvBackwardWeights(d, x.Reference, dy.Reference, dw.Reference, db.Reference, accumulate);
            AssertClose(dx, what: $"{name} dx accumulate={accumulate}");
            AssertClose(dw, what: $"{name} dw accumulate={accumulate}");
            AssertClose(db, what: $"{name} dbias accumulate={accumulate}");
        }
    }

    /// <summary>Small column budgets: one image per im2col chunk (3 x 3 kernel, few output channels),
    /// and two images per chunk whose weight gradients take one batched GEMM each (many output channels).</summary>
    [Theory]
    [InlineData(2, 5, 3, 450L)]
    [InlineData(2, 3, 12, 400L)]
    public void ChunkedColumns(int cin, int hw, int cout, long budget)
    {
        var d = new ConvDesc(3, cin, hw, hw, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var saved = G.ColumnBudget;
        G.ColumnBudget = budget;
        try
        {
            var x = Random((long)d.N * d.Cin * d.H * d.W, 11);
            var w = Random((long)d.Cout * d.Cin * d.Kh * d.Kw, 12);
            var dy = Random((long)d.N * d.Cout * d.OutH * d.OutW, 13);
            var y = Random(dy.Length, 14);
            var dx = Random(x.Length, 15);
            var dw = Random(w.Length, 16);
            G.ConvForward(d, x.Gpu, w.Gpu, null, y.Gpu);
            R.ConvForward(d, x.Reference, w.Reference, null, y.Reference);
            G.ConvBackwardData(d, dy.Gpu, w.Gpu, dx.Gpu, true);
            R.ConvBackwardData(d, dy.Reference, w.Reference, dx.Reference, true);
            G.ConvBackwardWeights(d, x.Gpu, dy.Gpu, dw.Gpu, null, false);
            R.ConvBackwardWeights(d, x.Reference, dy.Reference, dw.Reference, null, false);
            AssertClose(y, what: "y");
            AssertClose(dx, what: "dx");
            AssertClose(dw, what: "dw");
        }
        finally
        {
            G.ColumnBudget = saved;
        }
    }
}
