using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Concat along an axis; folded when every input is a small constant (shape vectors).</summary>
public sealed class ConcatRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Concat"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? y = ctx.Out(0);
        if (y is null || ctx.ShapeOf(y) is not { } ys || !ctx.HasSlots(y))
        {
            ctx.LockAll($"{ctx.Node}: result channels unknown");
            return;
        }
        int axis = ys.Axis(ctx.Node.GetInt("axis", 0));
        if (axis != 1)
        {
            foreach (var x in ctx.Node.Inputs) ctx.Preserve(x.Length > 0 ? x : null, y);
            return;
        }
        long offset = 0;
        foreach (var x in ctx.Node.Inputs)
        {
            long width = ctx.ShapeOf(x)?[1].Value ?? throw new GraphException($"{ctx.Node}: channels of '{x}' unknown");
            // Channels of a constant input cannot be removed: they stay whole.
            if (ctx.HasSlots(x)) ctx.Map(x, 0, y, offset, width);
            else ctx.LockRange(y, offset, width, $"{ctx.Node}: concatenates constant '{x}'");
            offset += width;
        }
    }

    public override void Infer(InferenceContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputType).ToList();
        if (types.Count == 0 || types.Any(t => t is null)) return;
        var elem = types[0]!.ElementType;
        if (types.Any(t => t!.Shape is null)) { ctx.SetOutput(0, elem, null); return; }
        var first = types[0]!.Shape!;
        int axis = first.Axis(ctx.Node.GetInt("axis", 0));
        var dims = first.Dims.ToArray();
        long? sum = 0;
        foreach (var t in types)
        {
            var s = t!.Shape!;
            if (s.Rank != first.Rank) throw ctx.Error($"inputs of rank {first.Rank} and {s.Rank}");
            sum = s[axis].Value is long v && sum is long acc ? acc + v : null;
            for (int k = 0; k < dims.Length; k++)
                if (k != axis && !dims[k].IsKnown && s[k].IsKnown) dims[k] = s[k];
        }
        dims[axis] = sum is long total ? Dim.Of(total) : Dim.Unknown;
        var shape = new Shape(dims);
        ctx.SetOutput(0, elem, shape);

        var values = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputValue).ToList();
        if (axis == 0 && first.Rank == 1 && values.All(v => v is not null && v.ElementType != ElementType.String) && shape.IsFullyKnown)
        {
            var data = values.SelectMany(v => v!.RawData).ToArray();
            ctx.SetOutputValue(0, new Tensor("", elem, shape.ToLongs(), data));
        }
    }
}
