using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class UnaryTests
{
    /// <summary>Each op with parameters and an input range where it is defined (Sqrt and fractional Pow need x &gt; 0).</summary>
    private static readonly Dictionary<string, (UnaryOp Op, float A, float B, float Lo, float Hi)> Cases = new()
    {
        ["Identity"] = (UnaryOp.Identity, 0, 0, -3, 3),
        ["Relu"] = (UnaryOp.Relu, 0, 0, -3, 3),
        ["LeakyRelu"] = (UnaryOp.LeakyRelu, 0.1f, 0, -3, 3),
        ["Clip"] = (UnaryOp.Clip, -0.5f, 0.7f, -2, 2),
        ["Sigmoid"] = (UnaryOp.Sigmoid, 0, 0, -12, 12),
        ["HardSigmoid"] = (UnaryOp.HardSigmoid, 0.2f, 0.5f, -4, 4),
        ["HardSwish"] = (UnaryOp.HardSwish, 0, 0, -5, 5),
        ["Tanh"] = (UnaryOp.Tanh, 0, 0, -4, 4),
        ["Tanh near zero"] = (UnaryOp.Tanh, 0, 0, -0.01f, 0.01f),
        ["Scale"] = (UnaryOp.Scale, 1.5f, -0.25f, -3, 3),
        ["Exp"] = (UnaryOp.Exp, 0, 0, -10, 10),
        ["Elu"] = (UnaryOp.Elu, 0.8f, 0, -5, 3),
        ["Softplus"] = (UnaryOp.Softplus, 0, 0, -20, 30),
        ["Neg"] = (UnaryOp.Neg, 0, 0, -3, 3),
        ["Abs"] = (UnaryOp.Abs, 0, 0, -3, 3),
        ["Sqrt"] = (UnaryOp.Sqrt, 0, 0, 0.01f, 9),
        ["Square"] = (UnaryOp.Square, 0, 0, -3, 3),
        ["Pow 0.75"] = (UnaryOp.Pow, 0.75f, 0, 0.05f, 4),
        ["Pow -0.5"] = (UnaryOp.Pow, -0.5f, 0, 0.5f, 4),
        ["Pow 3, negative bases"] = (UnaryOp.Pow, 3, 0, -2, 2),
        ["Pow 2, negative bases"] = (UnaryOp.Pow, 2, 0, -2, 2),
    };

    public static TheoryData<string, int> Names()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Cases.Keys)
            foreach (int count in new[] { 5, 70_001 })
                data.Add(name, count);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_backward_match_the_reference(string name, int count)
    {
        var (op, a, b, lo, hi) = Cases[name];
        using var p = new BackendPair();
        var x = p.Random(1, count, lo, hi);
        var y = p.Random(2, count);
        var dy = p.Random(3, count);
        var dxSet = p.Random(4, count);
        var dxAdd = p.Random(5, count);
        p.Run((k, t) => k.Unary(op, a, b, t(x), t(y), count));
        p.Close(y, $"{name} forward");
        // The backward gets the reference's y on both sides, so only the slope is compared.
        var (refY, _) = p.Contents(y);
        var yRef = p.Of(refY);
        p.Run((k, t) =>
        {
            k.UnaryBackward(op, a, b, t(x), t(yRef), t(dy), t(dxSet), count, accumulate: false);
            k.UnaryBackward(op, a, b, t(x), t(yRef), t(dy), t(dxAdd), count, accumulate: true);
        });
        p.Close(dxSet, $"{name} backward");
        p.Close(dxAdd, $"{name} backward, accumulated");
    }

    [Fact]
    public void In_place()
    {
        using var p = new BackendPair();
        var x = p.Random(1, 1001, -2, 2);
        p.Run((k, t) => k.Unary(UnaryOp.Tanh, 0, 0, t(x), t(x), 1001));
        p.Close(x, "tanh in place");
    }
}
