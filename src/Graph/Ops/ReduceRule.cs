using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>The Reduce* family: axes as attribute or input (ReduceSum from opset 13, the others
/// from 18), keepdims, and noop_with_empty_axes (no axes then means identity rather than all
/// axes). Sum, Prod, Max, Min and Mean of small constants are folded (shape arithmetic such as the
/// product of trailing dims).</summary>
public sealed class ReduceRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } =
    [
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    ];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        int rank = ctx.ShapeOf(ctx.In(0))!.Rank;
        var axes = ctx.Ints(1, "axes");
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        if (axes is { Length: 0 } && ctx.Node.GetInt("noop_with_empty_axes", 0) != 0) { ctx.Preserve(ctx.In(0), ctx.Out(0)); return; }
        // Reducing spatial axes (global pooling written as ReduceMean) keeps channels on axis 1.
        if (axes is { Length: > 0 } && axes.All(a => (a < 0 ? a + rank : a) >= 2) && (keep || rank >= 2)) ctx.Preserve(ctx.In(0), ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: reduces over the batch or channel axis");
    }

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        if (!IntArgs.TryRead(ctx, 1, "axes", out var axesArg))
        {
            ctx.SetOutput(0, elem, keep ? IntArgs.UnknownDims(x.Rank) : null);
            return;
        }
        if (axesArg is null or { Length: 0 } && ctx.Node.GetInt("noop_with_empty_axes", 0) != 0)
        {
            ctx.SetOutput(0, elem, x);
            if (ctx.InputValue(0) is { } same) ctx.SetOutputValue(0, same);
            return;
        }
        var axes = axesArg is null or { Length: 0 } ? Enumerable.Range(0, x.Rank).ToArray() : IntArgs.Axes(ctx, axesArg, x.Rank);
        var shape = Reduced(x, axes, keep);
        ctx.SetOutput(0, elem, shape);
        if (ctx.InputValue(0) is { } v && ConstantData.Foldable(shape) && Fold(ctx.Node.OpType, v, axes, shape) is { } folded)
            ctx.SetOutputValue(0, folded);
    }

    /// <summary>The shape after reducing <paramref name="axes"/>: size 1 there, or gone.</summary>
    public static Shape Reduced(Shape x, int[] axes, bool keep) => keep
        ? new Shape(x.Dims.Select((d, k) => axes.Contains(k) ? Dim.Of(1) : d))
        : new Shape(x.Dims.Where((_, k) => !axes.Contains(k)));

    private static Tensor? Fold(string op, Tensor v, int[] axes, Shape outShape)
    {
        if (op is not ("ReduceSum" or "ReduceProd" or "ReduceMax" or "ReduceMin" or "ReduceMean")) return null;
        if (v.ElementType is ElementType.String || v.ElementCount == 0 || v.ElementType.BitSize() % 8 != 0) return null;
        var data = v.ToDoubles();
        var keptDims = v.Dims.Select((d, k) => axes.Contains(k) ? 1 : d).ToArray();
        var keptStrides = ConstantData.Strides(keptDims);
        long outCount = Tensor.ElementCountOf(keptDims);
        var acc = new List<double>[outCount];
        long i = 0;
        foreach (var idx in ConstantData.Indices(v.Dims))
        {
            long o = 0;
            for (int k = 0; k < idx.Length; k++) if (!axes.Contains(k)) o += idx[k] * keptStrides[k];
            (acc[o] ??= []).Add(data[i++]);
        }
        bool integer = !v.ElementType.IsFloatingPoint();
        var result = acc.Select(a => op switch
        {
            "ReduceSum" => a.Sum(),
            "ReduceProd" => a.Aggregate(1.0, (p, e) => p * e),
            "ReduceMax" => a.Max(),
            "ReduceMin" => a.Min(),
            _ => integer ? Math.Truncate(a.Average()) : a.Average(),
        }).ToArray();
        return Tensor.FromDoubles("", v.ElementType, outShape.ToLongs(), result);
    }
}
