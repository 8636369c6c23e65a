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
