using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Squeeze and Unsqueeze, axes as an attribute before opset 13 and an input after.
/// Squeeze removes the listed size-1 axes, or every size-1 axis when none are listed; Unsqueeze
/// inserts size-1 axes at the listed output positions. Constants are folded: exporters unsqueeze
/// gathered shape scalars.</summary>
public sealed class SqueezeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Squeeze", "Unsqueeze"];

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (!IntArgs.TryRead(ctx, 1, "axes", out var axes)) { ctx.SetOutput(0, elem, null); return; }
        var shape = ctx.Node.OpType == "Squeeze" ? Squeezed(ctx, x, axes) : Unsqueezed(ctx, x, axes);
        ctx.SetOutput(0, elem, shape);
        if (shape is not null && ctx.InputValue(0) is { } v) ctx.SetOutputValue(0, ConstantData.Reshaped(v, shape.ToLongs()));
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var axes = ctx.Ints(1, "axes");
        int rank = ctx.Node.OpType == "Squeeze" ? ctx.ShapeOf(ctx.In(0))!.Rank : ctx.ShapeOf(ctx.Out(0))!.Rank;
        // Squeezing or inserting axes after the channel axis leaves channels where they are.
        if (axes is not null && axes.Length > 0 && axes.All(a => (a < 0 ? a + rank : a) >= 2)) ctx.Preserve(ctx.In(0), ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: changes the batch or channel axis");
    }

    private static Shape? Squeezed(InferenceContext ctx, Shape x, long[]? axes)
    {
        // Without axes, which go depends on every dim: a symbolic batch may be 1 at run time.
        if (axes is null) return x.IsFullyKnown ? new Shape(x.Dims.Where(d => d.Value != 1)) : null;
        var drop = IntArgs.Axes(ctx, axes, x.Rank);
        foreach (var a in drop)
            if (x[a].Value is long v && v != 1) throw ctx.Error($"cannot squeeze axis {a} of size {v}");
        return new Shape(x.Dims.Where((_, k) => !drop.Contains(k)));
    }

    private static Shape Unsqueezed(InferenceContext ctx, Shape x, long[]? axes)
    {
        if (axes is null) throw ctx.Error("axes are required");
        int rank = x.Rank + axes.Length;
        var inserted = IntArgs.Axes(ctx, axes, rank);
        var dims = new Dim[rank];
        for (int k = 0, src = 0; k < rank; k++)
            dims[k] = inserted.Contains(k) ? Dim.Of(1) : x[src++];
        return new Shape(dims);
    }
}
