using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class ConvTests
{
    private static ConvDesc Desc(int n, int cin, int h, int w, int cout, int kh, int kw, int stride = 1, int pad = 0, int groups = 1,
        int dilation = 1, int? strideW = null, (int T, int L, int B, int R)? pads = null)
    {
        var (t, l, b, r) = pads ?? (pad, pad, pad, pad);
        return new ConvDesc(n, cin, h, w, cout, kh, kw, stride, strideW ?? stride, t, l, b, r, dilation, dilation, groups);
    }

    private static readonly Dictionary<string, ConvDesc> Cases = new()
    {
        ["3x3 s1 p1"] = Desc(3, 5, 9, 11, 7, 3, 3, pad: 1),
        ["3x3 s2 p1"] = Desc(3, 4, 10, 9, 6, 3, 3, stride: 2, pad: 1),
        ["3x3 asymmetric pads"] = Desc(2, 3, 8, 7, 4, 3, 3, pads: (2, 0, 0, 1)),
        ["5x5 strides 2x1 asymmetric"] = Desc(2, 3, 13, 12, 4, 5, 5, stride: 2, strideW: 1, pads: (2, 1, 1, 2)),
        ["3x3 dilation 2"] = Desc(2, 3, 11, 10, 5, 3, 3, pad: 2, dilation: 2),
        ["1x1"] = Desc(3, 8, 6, 5, 10, 1, 1),
        ["1x1 s2"] = Desc(2, 8, 7, 7, 6, 1, 1, stride: 2),
        ["groups 2"] = Desc(2, 6, 8, 8, 4, 3, 3, pad: 1, groups: 2),
        ["groups 3, s2"] = Desc(2, 9, 9, 9, 6, 3, 3, stride: 2, pad: 1, groups: 3),
        ["depthwise 3x3"] = Desc(2, 6, 9, 9, 6, 3, 3, pad: 1, groups: 6),
        ["depthwise s2 asymmetric"] = Desc(2, 4, 10, 11, 4, 3, 3, stride: 2, groups: 4, pads: (0, 1, 1, 0)),
        ["depthwise multiplier 2"] = Desc(2, 3, 7, 8, 6, 3, 3, pad: 1, groups: 3),
        ["depthwise 7x7 map (flat layout)"] = Desc(3, 8, 7, 7, 8, 3, 3, pad: 1, groups: 8),
        ["depthwise 4x5 map, multiplier 2, asymmetric pads (flat layout)"] = Desc(2, 3, 4, 5, 6, 3, 3, groups: 3, pads: (1, 0, 2, 1)),
        ["depthwise 6x6 map, dilation 2 (flat layout)"] = Desc(2, 4, 6, 6, 4, 3, 3, pad: 2, dilation: 2, groups: 4),
        ["resnet-like 16 channels, batch 8"] = Desc(8, 16, 16, 16, 16, 3, 3, pad: 1),
        ["7x7 map, batch 19: weight gradients summed over images per pass"] = Desc(19, 12, 7, 7, 20, 3, 3, pad: 1),
        ["groups 2 of 8, dilation 2, asymmetric pads: grad input as a forward conv"] = Desc(2, 16, 9, 8, 12, 3, 3, groups: 2, dilation: 2, pads: (2, 1, 0, 2)),
        ["5x3 kernel, 8 channels: grad input as a forward conv"] = Desc(2, 8, 7, 9, 10, 5, 3, pads: (2, 1, 1, 0)),
    };

    public static TheoryData<string, bool> Names() => Theories.WithFlag(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_both_gradients_match_the_reference(string name, bool accumulate)
    {
        var d = Cases[name];
        long xs = (long)d.N * d.Cin * d.H * d.W, ws = (long)d.Cout * (d.Cin / d.Groups) * d.Kh * d.Kw, ys = (long)d.N * d.Cout * d.OutH * d.OutW;
        using var p = new BackendPair();
        var x = p.Random(1, xs);
        var w = p.Random(2, ws);
        var bias = p.Random(3, d.Cout);
        var dy = p.Random(4, ys);
        var y = p.Random(5, ys);
        var dx = p.Random(6, xs);
        var dw = p.Random(7, ws);
        var db = p.Random(8, d.Cout);
        p.Run((k, b) =>
        {
            k.ConvForward(d, b(x), b(w), accumulate ? b(bias) : null, b(y));
            k.ConvBackwardData(d, b(dy), b(w), b(dx), accumulate);
            k.ConvBackwardWeights(d, b(x), b(dy), b(dw), accumulate ? b(db) : null, accumulate);
        });
        p.Close(y, $"{name}: y");
        p.Close(dx, $"{name}: dx");
        p.Close(dw, $"{name}: dw");
        if (accumulate) p.Close(db, $"{name}: db");
    }

    [Fact]
    public void Weight_gradient_without_accumulate_sets_the_bias_gradient()
    {
        var d = Cases["3x3 s2 p1"];
        using var p = new BackendPair();
        var x = p.Random(1, (long)d.N * d.Cin * d.H * d.W);
        var dy = p.Random(2, (long)d.N * d.Cout * d.OutH * d.OutW);
        var dw = p.Of(Enumerable.Repeat(float.NaN, d.Cout * d.Cin * 9).ToArray());
        var db = p.Of(Enumerable.Repeat(float.NaN, d.Cout).ToArray());
        p.Run((k, b) => k.ConvBackwardWeights(d, b(x), b(dy), b(dw), b(db), accumulate: false));
        p.Close(dw, "dw");
        p.Close(db, "db");
    }
}
