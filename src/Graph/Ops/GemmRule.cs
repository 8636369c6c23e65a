using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Gemm: Y = alpha * op(A) * op(B) + beta * C, A and B 2-d.</summary>
public sealed class GemmRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Gemm"];

    public override void Infer(InferenceContext ctx)
    {
        var a = ctx.InputShape(0);
        var b = ctx.InputShape(1);
        var elem = ctx.InputElementType(0);
        if (a is null || b is null) return;
        if (a.Rank != 2 || b.Rank != 2) throw ctx.Error($"Gemm needs 2-d inputs, got {a} and {b}");
        bool ta = ctx.Node.GetInt("transA", 0) != 0, tb = ctx.Node.GetInt("transB", 0) != 0;
        Dim m = ta ? a[1] : a[0], ka = ta ? a[0] : a[1];
        Dim kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value)
            throw ctx.Error($"inner dimensions differ: {a} x {b} (transA={ta}, transB={tb})");
        ctx.SetOutput(0, elem, new Shape([m, n]));
    }

    public override long? Macs(InferenceContext ctx)
    {
        var a = ctx.InputShape(0);
        var y = ctx.OutputShape(0);
        if (a is null || y is null || a.Rank != 2) return null;
        bool ta = ctx.Node.GetInt("transA", 0) != 0;
        var k = ta ? a[0] : a[1];
        return y.ElementCount() is long e && k.Value is long kv ? e * kv : null;
    }

    public override (bool WithInput, bool WithOutput) MacScaling(Node node) => (true, true);

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? a = ctx.In(0), bw = ctx.In(1), c = ctx.In(2), y = ctx.Out(0);
        if (a is null || bw is null || y is null || ctx.Node.GetInt("transA", 0) != 0 || !ctx.IsSliceableConstant(bw))
        {
            ctx.LockAll($"{ctx.Node}: only Gemm with constant B and untransposed A is pruned");
            return;
        }
        bool tb = ctx.Node.GetInt("transB", 0) != 0;
        ctx.SliceConstant(bw, tb ? 1 : 0, a, 1, SliceRole.Consumer);
        ctx.SliceConstant(bw, tb ? 0 : 1, y, 1, SliceRole.Producer);
        BiasFlow.Slice(ctx, c, y);
    }
}
