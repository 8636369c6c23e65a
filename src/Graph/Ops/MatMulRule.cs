using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>MatMul with numpy semantics: 1-d operands promoted, batch dims broadcast.</summary>
public sealed class MatMulRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["MatMul"];

    public override void Infer(InferenceContext ctx)
    {
        var a = ctx.InputShape(0);
        var b = ctx.InputShape(1);
        var elem = ctx.InputElementType(0);
        if (a is null || b is null) return;
        if (a.Rank == 0 || b.Rank == 0) throw ctx.Error("MatMul operands must not be scalars");
        var aa = a.Rank == 1 ? new Shape([Dim.Of(1), a[0]]) : a;
        var bb = b.Rank == 1 ? new Shape([b[0], Dim.Of(1)]) : b;
        Dim ka = aa[aa.Rank - 1], kb = bb[bb.Rank - 2];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value) throw ctx.Error($"inner dimensions differ: {a} x {b}");
        var batch = Broadcast.Shapes([new Shape(aa.Dims.Take(aa.Rank - 2)), new Shape(bb.Dims.Take(bb.Rank - 2))])!;
        var dims = batch.Dims.ToList();
        if (a.Rank > 1) dims.Add(aa[aa.Rank - 2]);
        if (b.Rank > 1) dims.Add(bb[bb.Rank - 1]);
        ctx.SetOutput(0, elem, new Shape(dims));
    }

    public override long? Macs(InferenceContext ctx)
    {
        var a = ctx.InputShape(0);
        var y = ctx.OutputShape(0);
        if (a is null || y is null) return null;
        return y.ElementCount() is long e && a[a.Rank - 1].Value is long k ? e * k : null;
    }

    public override (bool WithInput, bool WithOutput) MacScaling(Node node) => (true, true);

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? a = ctx.In(0), b = ctx.In(1), y = ctx.Out(0);
        // A linear layer: [N, K] x constant [K, M]. Higher ranks put channels elsewhere than axis 1.
        if (a is null || b is null || y is null || ctx.ShapeOf(a)?.Rank != 2 || ctx.ShapeOf(b)?.Rank != 2 || !ctx.IsSliceableConstant(b))
        {
            ctx.LockAll($"{ctx.Node}: only 2-d MatMul with a constant right operand is pruned");
            return;
        }
        ctx.SliceConstant(b, 0, a, 1, SliceRole.Consumer);
        ctx.SliceConstant(b, 1, y, 1, SliceRole.Producer);
    }
}
