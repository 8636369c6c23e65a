namespace Spp.Graph.Ops;

/// <summary>Shape (with opset 15's start and end) and Size: int64 facts about the input's shape,
/// folded to constants whenever the dims they report are known.</summary>
public sealed class ShapeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Shape", "Size"];

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
