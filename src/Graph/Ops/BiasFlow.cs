using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>A constant operand broadcast against a channel tensor: which of its axes (if any) is
/// the channel axis, so that it can be sliced with the channels.</summary>
public static class BiasFlow
{
    /// <summary>Axis of <paramref name="constant"/> aligned with axis 1 of a rank-<paramref name="rank"/>
    /// result, when it has the full channel count there; -1 when it broadcasts (size 1 or absent).</summary>
    public static int ChannelAxis(Shape constant, int rank, long channels)
    {
        int axis = 1 - (rank - constant.Rank);
        if (axis < 0 || axis >= constant.Rank) return -1;
        return constant[axis].Value == channels && channels != 1 ? axis : -1;
    }

    /// <summary>Declares the channel slices of an optional constant operand of <paramref name="y"/>.</summary>
    public static void Slice(ChannelFlowContext ctx, string? constant, string y)
    {
        if (constant is null || !ctx.HasSlots(y) || ctx.ShapeOf(constant) is not { } s || ctx.ShapeOf(y) is not { } ys) return;
        int axis = ChannelAxis(s, ys.Rank, ctx.Width(y));
        if (axis >= 0) ctx.SliceConstant(constant, axis, y, 1, SliceRole.Parameter);
    }
}
