namespace Spp.Graph.Ops;

/// <summary>ConstantOfShape: a tensor of the shape its input holds, filled with the one-element
/// 'value' attribute (float 0 by default); folded when the shape is known and small.</summary>
public sealed class ConstantOfShapeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["ConstantOfShape"];

    public override void Infer(InferenceContext ctx)
    {
        var fill = ctx.Node.GetTensor("value") ?? Tensor.FromFloats("", [1], [0f]);
        if (fill.ElementCount != 1) throw ctx.Error($"value has {fill.ElementCount} elements, not 1");
        if (ctx.InputValue(0)?.ToInt64s() is not { } dims)
        {
            var rank = IntArgs.VectorLength(ctx, 0);
            ctx.SetOutput(0, fill.ElementType, rank is long r ? IntArgs.UnknownDims(r) : null);
            return;
        }
        if (dims.Any(d => d < 0)) throw ctx.Error($"negative dim in [{string.Join(",", dims)}]");
        var shape = new Shape(dims);
        ctx.SetOutput(0, fill.ElementType, shape);
        if (ConstantData.Foldable(shape) && ConstantData.Take(fill, dims, new long[shape.ElementCount()!.Value]) is { } folded)
            ctx.SetOutputValue(0, folded);
    }
}
