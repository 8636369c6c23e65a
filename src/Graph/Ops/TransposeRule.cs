using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Transpose: output dim i is input dim perm[i]; perm defaults to reversing the axes.</summary>
public sealed class TransposeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Transpose"];

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        var perm = ctx.Node.GetInts("perm");
        // Channels stay channels only when batch and channel axes keep their places.
        if (perm is { Length: >= 2 } && perm[0] == 0 && perm[1] == 1) ctx.Preserve(ctx.In(0), ctx.Out(0));
        else ctx.LockAll($"{ctx.Node}: moves the channel axis");
    }

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        var perm = ctx.Node.GetInts("perm");
        if (t.Shape is not { } x)
        {
            ctx.SetOutput(0, t.ElementType, perm is null ? null : IntArgs.UnknownDims(perm.Length));
            return;
        }
        perm ??= Enumerable.Range(0, x.Rank).Reverse().Select(a => (long)a).ToArray();
        if (perm.Length != x.Rank) throw ctx.Error($"perm of length {perm.Length} for input {x}");
        var axes = IntArgs.Axes(ctx, perm, x.Rank);
        ctx.SetOutput(0, t.ElementType, new Shape(axes.Select(a => x[a])));
    }
}
