using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Split: sizes from the 'split' input (opset 13+) or attribute, or equal parts.</summary>
public sealed class SplitRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Split"];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t?.Shape is not { } x) return;
        int axis = x.Axis(ctx.Node.GetInt("axis", 0));
        var sizes = Sizes(ctx, x, axis);
        for (int i = 0; i < ctx.Node.Outputs.Count; i++)
            ctx.SetOutput(i, t.ElementType, x.With(axis, sizes is null ? Dim.Unknown : Dim.Of(sizes[i])));
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0);
        if (x is null || ctx.ShapeOf(x) is not { } xs || !ctx.HasSlots(x)) { ctx.LockAll($"{ctx.Node}: channels unknown"); return; }
        int axis = xs.Axis(ctx.Node.GetInt("axis", 0));
        if (axis != 1)
        {
            foreach (var o in ctx.Node.Outputs) ctx.Preserve(x, o.Length > 0 ? o : null);
            return;
        }
        long offset = 0;
        foreach (var o in ctx.Node.Outputs)
        {
            long width = ctx.ShapeOf(o)?[1].Value ?? throw new GraphException($"{ctx.Node}: channels of '{o}' unknown");
            if (o.Length > 0 && ctx.HasSlots(o)) ctx.Map(x, offset, o, 0, width);
            offset += width;
        }
    }

    public override void Rewrite(RewriteContext ctx)
    {
        var x = ctx.Node.Input(0);
        if (x is null || ctx.Kept(x) is null || ctx.OriginalTypes.ShapeOf(x) is not { } xs || xs.Axis(ctx.Node.GetInt("axis", 0)) != 1) return;
        // New sizes: what each output keeps. Written where the sizes were (input or attribute).
        var sizes = ctx.Node.Outputs.Select(ctx.NewWidth).ToArray();
        if (ctx.Node.Input(1) is not null) ctx.ReplaceConstantInput(1, Tensor.FromInt64s("", [sizes.Length], sizes));
        else if (ctx.Node.HasAttr("split")) ctx.Node.SetAttr(Attribute.IntList("split", sizes));
        else if (sizes.Distinct().Count() > 1)
        {
            // Equal parts no longer hold: state the sizes explicitly (as an input from opset 13 on).
            if (ctx.Node.HasAttr("num_outputs")) ctx.Node.Attributes.RemoveAll(a => a.Name == "num_outputs");
            if (ctx.Opset >= 13) ctx.ReplaceConstantInput(1, Tensor.FromInt64s("", [sizes.Length], sizes));
            else ctx.Node.SetAttr(Attribute.IntList("split", sizes));
        }
    }

    /// <summary>Size of each output along the split axis, null when it cannot be known.</summary>
    public static long[]? Sizes(InferenceContext ctx, Shape x, int axis)
    {
        int outputs = ctx.Node.Outputs.Count;
        long[]? sizes = ctx.InputValue(1)?.ToInt64s() ?? ctx.Node.GetInts("split");
        if (sizes is not null)
        {
            if (sizes.Length != outputs) throw ctx.Error($"{sizes.Length} split sizes for {outputs} outputs");
            if (x[axis].Value is long total && sizes.Sum() != total) throw ctx.Error($"split sizes sum to {sizes.Sum()}, axis has {total}");
            return sizes;
        }
        if (ctx.HasInput(1)) return null;
        if (x[axis].Value is not long n) return null;
        long numOutputs = ctx.Node.GetInt("num_outputs", outputs);
        long chunk = (n + numOutputs - 1) / numOutputs;
        return Enumerable.Range(0, outputs).Select(i => Math.Max(0, Math.Min(chunk, n - chunk * i))).ToArray();
    }
}
