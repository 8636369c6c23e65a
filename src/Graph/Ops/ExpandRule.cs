namespace Spp.Graph.Ops;

/// <summary>Expand: the input broadcast against the shape its second input holds.</summary>
public sealed class ExpandRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Expand"];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        // An unknown target of known length still fixes the rank; its unknown dims broadcast to
        // the input's non-1 dims.
        var target = ctx.InputValue(1)?.ToInt64s() is { } dims ? new Shape(dims)
            : IntArgs.VectorLength(ctx, 1) is long r ? IntArgs.UnknownDims(r) : null;
        ctx.SetOutput(0, t.ElementType, t.Shape is null || target is null ? null : Broadcast.Shapes([t.Shape, target]));
    }
}
