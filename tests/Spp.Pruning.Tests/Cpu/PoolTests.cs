using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class PoolTests
{
    private static PoolDesc Desc(int h, int w, int k, int s, (int T, int L, int B, int R) pads, bool ceil = false, int dilation = 1,
        PoolKind kind = PoolKind.Max, bool includePad = false)
    {
        int Out(int size, int p) => ((size + p - ((k - 1) * dilation + 1)) + (ceil ? s - 1 : 0)) / s + 1;
        return new PoolDesc(kind, 3, 5, h, w, k, k, s, s, pads.T, pads.L, pads.B, pads.R,
            Out(h, pads.T + pads.B), Out(w, pads.L + pads.R), includePad, dilation, dilation);
    }

    private static readonly Dictionary<string, PoolDesc> Windows = new()
    {
        ["2x2 s2"] = Desc(8, 10, 2, 2, (0, 0, 0, 0)),
        ["2x2 s2 wide, odd width"] = Desc(6, 41, 2, 2, (0, 0, 0, 0)),
        ["3x3 s2 p1"] = Desc(9, 11, 3, 2, (1, 1, 1, 1)),
        ["3x3 s2 ceil mode"] = Desc(8, 7, 3, 2, (0, 0, 0, 0), ceil: true),
        ["2x2 s2 ceil mode, odd input"] = Desc(7, 9, 2, 2, (0, 0, 0, 0), ceil: true),
        ["asymmetric pads"] = Desc(7, 8, 3, 1, (2, 0, 1, 2)),
        ["windows on padding only"] = Desc(5, 5, 2, 2, (2, 2, 0, 0)),
        ["dilation 2"] = Desc(11, 10, 3, 1, (1, 1, 1, 1), dilation: 2),
        ["3x3 s1 p1"] = Desc(16, 16, 3, 1, (1, 1, 1, 1)),
        ["global, 7x7"] = Desc(7, 7, 7, 1, (0, 0, 0, 0)),
        ["global, 13x13"] = Desc(13, 13, 13, 1, (0, 0, 0, 0)),
    };

    public static TheoryData<string, PoolKind, bool> Cases()
    {
        var data = new TheoryData<string, PoolKind, bool>();
        foreach (var name in Windows.Keys)
        {
            data.Add(name, PoolKind.Max, false);
            data.Add(name, PoolKind.Average, false);
            data.Add(name, PoolKind.Average, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_argmax_and_backward_match_the_reference(string name, PoolKind kind, bool includePad)
    {
        var d = Windows[name] with { Kind = kind, CountIncludePad = includePad };
        long xs = (long)d.N * d.C * d.H * d.W, ys = (long)d.N * d.C * d.OutH * d.OutW;
        using var p = new BackendPair();
        var x = p.Random(1, xs);
        var y = p.Random(2, ys);
        var argmax = p.Random(3, ys);
        var dy = p.Random(4, ys);
        var dx = p.Random(5, xs);
        bool max = kind == PoolKind.Max;
        p.Run((k, t) =>
        {
            k.PoolForward(d, t(x), t(y), max ? t(argmax) : null);
            k.PoolBackward(d, t(dy), max ? t(argmax) : null, t(dx));
        });
        p.Close(y, $"{name} {kind} y");
        if (max) p.Equal(argmax, $"{name} argmax");
        p.Close(dx, $"{name} {kind} dx");
    }

    /// <summary>The first maximum in window order wins: many ties (values from {0, 1, 2}) and NaNs, on the 2x2
    /// stride-2 fast path (wide and narrow rows) and the general loop.</summary>
    [Theory]
    [InlineData("2x2 s2")]
    [InlineData("2x2 s2 wide, odd width")]
    [InlineData("3x3 s2 p1")]
    public void Max_pooling_breaks_ties_and_skips_NaNs_as_the_reference(string name)
    {
        var d = Windows[name];
        long xs = (long)d.N * d.C * d.H * d.W, ys = (long)d.N * d.C * d.OutH * d.OutW;
        var values = BackendPair.Values(7, xs, 0, 3).Select(v => MathF.Floor(v)).ToArray();
        for (long i = 0; i < xs; i += 13) values[i] = float.NaN;
        using var p = new BackendPair();
        var x = p.Of(values);
        var y = p.Random(2, ys);
        var argmax = p.Random(3, ys);
        p.Run((k, t) => k.PoolForward(d, t(x), t(y), t(argmax)));
        p.Equal(argmax, $"{name} argmax");
        p.Equal(y, $"{name} y");
    }
}
