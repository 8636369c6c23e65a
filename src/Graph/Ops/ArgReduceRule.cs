using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>ArgMax and ArgMin: int64 indices with the axis reduced (kept as 1 by default).</summary>
public sealed class ArgReduceRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["ArgMax", "ArgMin"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        int rank = ctx.ShapeOf(ctx.In(0))!.Rank;
        if (ctx.AxisAttr("axis", 0, rank) >= 2 && ctx.Node.GetInt("keepdims", 1) != 0) ctx.Preserve(ctx.In(0), ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: reduces over the batch or channel axis");
    }

    public override void Infer(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        if (x is null) { ctx.SetOutput(0, ElementType.Int64, null); return; }
        int axis = IntArgs.Axis(ctx, "axis", 0, x.Rank);
        ctx.SetOutput(0, ElementType.Int64, ReduceRule.Reduced(x, [axis], ctx.Node.GetInt("keepdims", 1) != 0));
    }
}
