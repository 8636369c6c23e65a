using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Cast (to the 'to' type) and CastLike (to the second input's type): same shape, new
/// element type; numeric constants are folded (exporters cast shape arithmetic between int64,
/// int32 and float).</summary>
public sealed class CastRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Cast", "CastLike"];

    /// <summary>Types <see cref="Tensor.FromDoubles"/> can write.</summary>
    private static readonly HashSet<ElementType> Numeric =
    [
        ElementType.Float, ElementType.Double, ElementType.Float16, ElementType.Int8, ElementType.UInt8,
        ElementType.Bool, ElementType.Int16, ElementType.UInt16, ElementType.Int32, ElementType.UInt32,
        ElementType.Int64, ElementType.UInt64,
    ];

    public override void ChannelFlow(ChannelFlowContext ctx) => ctx.Preserve(ctx.In(0), ctx.Out(0));

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        var to = ctx.Node.OpType == "Cast" ? (ElementType)ctx.Node.GetInt("to", 0) : ctx.InputElementType(1);
        if (to == ElementType.Undefined) return;
        ctx.SetOutput(0, to, t.Shape);
        if (ctx.InputValue(0) is { } v && Convert(v, to) is { } folded) ctx.SetOutputValue(0, folded);
    }

    /// <summary>The value in <paramref name="to"/>, or null for types that are not folded.</summary>
    public static Tensor? Convert(Tensor v, ElementType to)
    {
        if (v.ElementType == to) return v;
        if (!Numeric.Contains(v.ElementType) || !Numeric.Contains(to) || v.ElementCount > ShapeInference.MaxFoldedElements) return null;
        // int64 through double would lose INT64_MAX (Slice's "to the end"); narrowing wraps as
        // C++'s static_cast does in ONNX Runtime.
        if (!v.ElementType.IsFloatingPoint() && to is ElementType.Int64 or ElementType.Int32)
        {
            var longs = v.ToInt64s();
            return to == ElementType.Int64
                ? Tensor.FromInt64s("", v.Dims, longs)
                : Tensor.FromInt32s("", v.Dims, longs.Select(l => unchecked((int)l)).ToArray());
        }
        return Tensor.FromDoubles("", to, v.Dims, v.ToDoubles());
    }
}
