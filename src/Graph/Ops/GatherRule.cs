using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Gather along any axis: the indices' shape replaces that axis. Folded for constant data
/// and indices (negative indices count from the end): Shape then Gather is how exporters read one
/// dim.</summary>
public sealed class GatherRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Gather"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var x = ctx.In(0);
        if (!ctx.HasSlots(x)) return;                // gathering from shape vectors and constants
        int rank = ctx.ShapeOf(x)!.Rank;
        // Picking along a spatial axis keeps channels on axis 1 whatever the indices' rank.
        if (ctx.AxisAttr("axis", 0, rank) >= 2 && ctx.HasSlots(ctx.Out(0))) ctx.Preserve(x, ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: gathers along the batch or channel axis");
    }

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (ctx.InputShape(1) is not { } indicesShape) { ctx.SetOutput(0, elem, null); return; }
        int axis = IntArgs.Axis(ctx, "axis", 0, x.Rank);
        var shape = new Shape(x.Dims.Take(axis).Concat(indicesShape.Dims).Concat(x.Dims.Skip(axis + 1)));
        ctx.SetOutput(0, elem, shape);
        if (ctx.InputValue(0) is { } data && ctx.InputValue(1) is { } indices && ConstantData.Foldable(shape)
            && ConstantData.Take(data, shape.ToLongs(), Sources(ctx, data.Dims, axis, indices.ToInt64s())) is { } folded)
            ctx.SetOutputValue(0, folded);
    }

    /// <summary>Flat source index of each output element: outer block, gathered row, inner offset.</summary>
    private static List<long> Sources(InferenceContext ctx, long[] dims, int axis, long[] indices)
    {
        long n = dims[axis];
        long outer = dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long inner = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var source = new List<long>();
        for (long o = 0; o < outer; o++)
            foreach (long raw in indices)
            {
                long row = raw < 0 ? raw + n : raw;
                if (row < 0 || row >= n) throw ctx.Error($"index {raw} is out of range for an axis of size {n}");
                for (long i = 0; i < inner; i++) source.Add((o * n + row) * inner + i);
            }
        return source;
    }
}
