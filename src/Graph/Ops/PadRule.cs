using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Pad in every mode (the mode does not change the shape): pads from the attribute
/// (before opset 11) or input 1, optionally for the axes of input 3 only (opset 18); negative pads
/// crop. An axis with no padding keeps its dim, symbolic or not.</summary>
public sealed class PadRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Pad"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var pads = ctx.Ints(1, "pads");
        int rank = ctx.ShapeOf(ctx.In(0))!.Rank;
        var axes = ctx.Ints(3, null)?.Select(a => a < 0 ? a + rank : a).ToArray() ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
        bool channelsPadded = pads is null || axes.Select((a, j) => (a, j)).Any(t => t.a <= 1 && (pads[t.j] != 0 || pads[t.j + axes.Length] != 0));
        if (channelsPadded) ctx.LockAll($"{ctx.Node}: pads the batch or channel axis");
        else ctx.Preserve(ctx.In(0), ctx.Out(0));
    }

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (!IntArgs.TryRead(ctx, 1, "pads", out var pads) || !IntArgs.TryRead(ctx, 3, null, out var axesArg))
        {
            ctx.SetOutput(0, elem, IntArgs.UnknownDims(x.Rank));
            return;
        }
        if (pads is null) throw ctx.Error("pads are required");
        var axes = axesArg is null ? Enumerable.Range(0, x.Rank).ToArray() : IntArgs.Axes(ctx, axesArg, x.Rank);
        if (pads.Length != 2 * axes.Length) throw ctx.Error($"{pads.Length} pads for {axes.Length} axes");
        var dims = x.Dims.ToArray();
        for (int j = 0; j < axes.Length; j++)
        {
            long total = pads[j] + pads[j + axes.Length];
            var d = x[axes[j]];
            if (total == 0) continue;
            if (d.Value is not long n) { dims[axes[j]] = Dim.Unknown; continue; }
            if (n + total < 0) throw ctx.Error($"pads {total} shrink axis {axes[j]} of size {n} below zero");
            dims[axes[j]] = Dim.Of(n + total);
        }
        ctx.SetOutput(0, elem, new Shape(dims));
    }
}
