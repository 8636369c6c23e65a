using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>TopK: values and int64 indices with K elements along the axis (last by default);
/// K is an attribute before opset 10, a one-element input after.</summary>
public sealed class TopKRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["TopK"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        int rank = ctx.ShapeOf(ctx.In(0))!.Rank;
        if (ctx.AxisAttr("axis", -1, rank) < 2) { ctx.LockAll($"{ctx.Node}: selects along the batch or channel axis"); return; }
        ctx.Preserve(ctx.In(0), ctx.Out(0));
        ctx.Preserve(ctx.In(0), ctx.Out(1));
    }

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        Shape? shape = null;
        if (t.Shape is { } x)
        {
            int axis = IntArgs.Axis(ctx, "axis", -1, x.Rank);
            long? k = ctx.Opset < 10 ? ctx.Node.GetInt("k", -1) : ctx.InputValue(1)?.ToInt64s().Single();
            if (k < 0) throw ctx.Error($"K is {k}");
            if (k is long kv && x[axis].Value is long n && kv > n) throw ctx.Error($"K {kv} exceeds axis size {n}");
            shape = x.With(axis, k is long known ? Dim.Of(known) : Dim.Unknown);
        }
        ctx.SetOutput(0, t.ElementType, shape);
        ctx.SetOutput(1, ElementType.Int64, shape);
    }
}
