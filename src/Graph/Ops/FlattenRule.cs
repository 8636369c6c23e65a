using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Flatten: [d0..d(a-1)] and [da..] collapse into a 2-d tensor.</summary>
public sealed class FlattenRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Flatten"];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t?.Shape is not { } x) return;
        long axis = ctx.Node.GetInt("axis", 1);
        int a = (int)(axis < 0 ? axis + x.Rank : axis);
        if (a < 0 || a > x.Rank) throw ctx.Error($"axis {axis} out of range for {x}");
        var shape = new Shape([Product(x.Dims.Take(a)), Product(x.Dims.Skip(a))]);
        ctx.SetOutput(0, t.ElementType, shape);
        if (ctx.InputValue(0) is { } v) ctx.SetOutputValue(0, v.WithData(shape.ToLongs(), v.RawData));
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), y = ctx.Out(0);
        if (x is null || y is null || ctx.ShapeOf(x) is not { } xs) { ctx.LockAll($"{ctx.Node}: shapes unknown"); return; }
        long axis = ctx.Node.GetInt("axis", 1);
        if (axis < 0) axis += xs.Rank;
        if (axis != 1 || !ctx.HasSlots(x) || !ctx.HasSlots(y)) { ctx.LockAll($"{ctx.Node}: flattens across the channel axis"); return; }
        // [N, C, H, W] -> [N, C*H*W]: channel c becomes the block of H*W features a Gemm reads.
        ctx.MapBlocks(x, y, ctx.Width(y) / ctx.Width(x));
    }

    /// <summary>Product of dims; a single symbolic dim times known 1s keeps its symbol.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long p = 1;
        Dim? symbolic = null;
        int unknown = 0;
        foreach (var d in dims)
        {
            if (d.Value is long v) p *= v;
            else { unknown++; symbolic = d; }
        }
        if (unknown == 0) return Dim.Of(p);
        if (unknown == 1 && p == 1 && symbolic!.Value.IsSymbolic) return symbolic.Value;
        return Dim.Unknown;
    }
}
