using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Resize and Upsample in every mode (the mode does not change the shape). Output dims
/// from scales (floor of scale times input, in float as ONNX Runtime computes it) or from sizes,
/// optionally only for the axes attribute's axes and with keep_aspect_ratio_policy (opset 18).
/// An axis scaled by 1 keeps its dim, symbolic or not.</summary>
public sealed class ResizeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Resize", "Upsample"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), y = ctx.Out(0);
        if (!ctx.HasSlots(x) || !ctx.HasSlots(y) || ctx.Width(x!) != ctx.Width(y!) || ctx.ShapeOf(x)![0].Value != ctx.ShapeOf(y)![0].Value)
        {
            ctx.LockAll($"{ctx.Node}: resizes the batch or channel axis");
            return;
        }
        // Explicit output sizes name the channel count: rewritable only in a constant.
        if (SizesInput(ctx.Node, ctx.Opset) is { } sizes && !ctx.IsSliceableConstant(sizes))
        {
            ctx.LockAll($"{ctx.Node}: its output sizes are computed and name the channel count");
            return;
        }
        ctx.Preserve(x, y);
    }

    public override void Rewrite(RewriteContext ctx)
    {
        var y = ctx.Node.Outputs[0];
        if (ctx.Kept(y) is null || SizesInput(ctx.Node, ctx.Opset) is not { } name) return;
        var old = (ctx.Graph.Initializer(name) ?? ctx.OriginalTypes.ValueOf(name))!;
        var v = old.ToInt64s();
        v[1] = ctx.NewWidth(y);
        ctx.ReplaceConstantInput(3, Tensor.FromDoubles("", old.ElementType, old.Dims, v.Select(d => (double)d).ToArray()));
    }

    /// <summary>The non-empty 'sizes' input of Resize (opset 11+), if any.</summary>
    private static string? SizesInput(Node node, long opset) =>
        node.OpType == "Resize" && opset >= 11 && node.Input(3) is { } s ? s : null;

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        ctx.SetOutput(0, elem, OutputShape(ctx, x) ?? IntArgs.UnknownDims(x.Rank));
    }

    private static Shape? OutputShape(InferenceContext ctx, Shape x)
    {
        var node = ctx.Node;
        int[] axes = node.GetInts("axes") is { } a ? IntArgs.Axes(ctx, a, x.Rank) : Enumerable.Range(0, x.Rank).ToArray();
        // Upsample before opset 9 held its scales in an attribute; Upsample 9 and Resize 10 take
        // them as input 1; Resize 11+ as input 2, next to roi (1) and sizes (3).
        bool attributeScales = node.OpType == "Upsample" && ctx.Opset < 9;
        int scalesInput = node.OpType == "Upsample" || ctx.Opset < 11 ? 1 : 2;
        float[]? scales = attributeScales ? node.GetFloats("scales") : null;
        long[]? sizes = null;
        if (!attributeScales)
        {
            if (!Present(ctx, scalesInput, out var scalesValue) || !Present(ctx, 3, out var sizesValue)) return null;
            scales = scalesValue?.ToFloats();
            sizes = scalesInput == 2 ? sizesValue?.ToInt64s() : null;
        }
        var dims = x.Dims.ToArray();
        if (sizes is not null)
        {
            if (sizes.Length != axes.Length) throw ctx.Error($"{sizes.Length} sizes for {axes.Length} axes");
            string policy = node.GetString("keep_aspect_ratio_policy", "stretch");
            if (policy == "stretch")
            {
                for (int j = 0; j < axes.Length; j++) dims[axes[j]] = Dim.Of(sizes[j]);
                return new Shape(dims);
            }
            // One scale for all axes, the smallest or largest of sizes over input sizes.
            if (axes.Any(k => !x[k].IsKnown)) return null;
            var ratios = axes.Select((k, j) => (float)sizes[j] / x[k].Value!.Value).ToArray();
            float scale = policy == "not_larger" ? ratios.Min() : ratios.Max();
            foreach (var k in axes)
                dims[k] = Dim.Of((long)MathF.Round(scale * x[k].Value!.Value, MidpointRounding.AwayFromZero));
            return new Shape(dims);
        }
        if (scales is null) throw ctx.Error("neither scales nor sizes are given");
        if (scales.Length != axes.Length) throw ctx.Error($"{scales.Length} scales for {axes.Length} axes");
        for (int j = 0; j < axes.Length; j++)
        {
            var d = x[axes[j]];
            if (scales[j] == 1f) continue;
            dims[axes[j]] = d.Value is long n ? Dim.Of((long)(scales[j] * n)) : Dim.Unknown;
        }
        return new Shape(dims);
    }

    /// <summary>Reads an optional input that may also be given as an empty tensor (Resize 11
    /// required roi and scales even when unused). False when it is given but not known.</summary>
    private static bool Present(InferenceContext ctx, int i, out Tensor? value)
    {
        value = null;
        if (!ctx.HasInput(i) || IntArgs.VectorLength(ctx, i) == 0) return true;
        value = ctx.InputValue(i);
        if (value?.ElementCount == 0) value = null;
        return value is not null;
    }
}
