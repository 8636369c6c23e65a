using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Shape (with opset 15's start and end) and Size: int64 facts about the input's shape,
/// folded to constants whenever the dims they report are known.</summary>
public sealed class ShapeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Shape", "Size"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var x = ctx.In(0);
        if (!ctx.HasSlots(x)) return;
        if (ctx.Node.OpType == "Size") { ctx.LockValue(x, $"{ctx.Node}: reads the element count, which follows the channels"); return; }
        // The channel count may flow into shape arithmetic (a Reshape target, say) that sppc does
        // not rewrite. Safe when the shape vector is only read at other positions.
        int rank = ctx.ShapeOf(x)!.Rank;
        long start = ctx.Node.GetInt("start", 0), end = ctx.Node.GetInt("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        if (start > 1 || end <= 1) return;
        foreach (var c in ctx.Consumers(ctx.Out(0)!))
        {
            bool readsOtherDims = c.OpType == "Gather" && c.Input(0) == ctx.Out(0) && c.GetInt("axis", 0) == 0
                && ctx.ConstantOf(c.Input(1)) is { } idx
                && idx.ToInt64s().All(i => (i < 0 ? i + (end - start) : i) + start != 1);
            if (!readsOtherDims) { ctx.LockValue(x, $"{ctx.Node}: its channel count feeds shape arithmetic"); return; }
        }
    }

    public override void Infer(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        if (ctx.Node.OpType == "Size")
        {
            ctx.SetOutput(0, ElementType.Int64, Shape.Scalar);
            if (x?.ElementCount() is long count) ctx.SetOutputValue(0, Tensor.FromInt64s("", [], [count]));
            return;
        }
        if (x is null) { ctx.SetOutput(0, ElementType.Int64, new Shape([Dim.Unknown])); return; }
        long start = Clamp(ctx.Node.GetInt("start", 0), x.Rank);
        long end = Clamp(ctx.Node.GetInt("end", x.Rank), x.Rank);
        var dims = x.Dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        ctx.SetOutput(0, ElementType.Int64, new Shape(dims.Length));
        if (dims.All(d => d.IsKnown)) ctx.SetOutputValue(0, Tensor.FromInt64s("", [dims.Length], dims.Select(d => d.Value!.Value).ToArray()));
    }

    /// <summary>start and end count from the back when negative and are clamped to [0, rank].</summary>
    private static long Clamp(long i, int rank) => Math.Clamp(i < 0 ? i + rank : i, 0, rank);
}
