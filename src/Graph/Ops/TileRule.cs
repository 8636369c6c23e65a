using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Tile: each dim times its repeat count; a dim repeated once keeps its symbol.</summary>
public sealed class TileRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Tile"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var repeats = ctx.Ints(1, null);
        if (repeats is { Length: >= 2 } && repeats[0] == 1 && repeats[1] == 1) ctx.Preserve(ctx.In(0), ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: repeats the batch or channel axis");
    }

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (ctx.InputValue(1)?.ToInt64s() is not { } repeats) { ctx.SetOutput(0, elem, IntArgs.UnknownDims(x.Rank)); return; }
        if (repeats.Length != x.Rank) throw ctx.Error($"{repeats.Length} repeats for input {x}");
        ctx.SetOutput(0, elem, new Shape(x.Dims.Select((d, k) =>
            repeats[k] == 1 ? d : d.Value is long n ? Dim.Of(n * repeats[k]) : Dim.Unknown)));
    }
}
