namespace Spp.Graph.Ops;

/// <summary>Tile: each dim times its repeat count; a dim repeated once keeps its symbol.</summary>
public sealed class TileRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Tile"];

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (ctx.InputValue(1)?.ToInt64s() is not { } repeats) { ctx.SetOutput(0, elem, IntArgs.UnknownDims(x.Rank)); return; }
        if (repeats.Length != x.Rank) throw ctx.Error($"{repeats.Length} repeats for input {x}");
        ctx.SetOutput(0, elem, new Shape(x.Dims.Select((d, k) =>
            repeats[k] == 1 ? d : d.Value is long n ? Dim.Of(n * repeats[k]) : Dim.Unknown)));
    }
}
