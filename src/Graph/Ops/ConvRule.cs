using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Conv and ConvTranspose: N-d, any stride, padding (explicit or auto_pad), dilation and
/// group count.</summary>
public sealed class ConvRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Conv", "ConvTranspose"];

    public override void Infer(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        var w = ctx.InputShape(1);
        var elem = ctx.InputElementType(0);
        if (x is null || w is null) return;
        var g = ConvGeometry.Of(ctx.Node, x, w);
        var dims = new List<Dim> { x[0], g.OutChannels };
        dims.AddRange(g.OutSpatial);
        ctx.SetOutput(0, elem, new Shape(dims));
    }

    public override long? Macs(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        var w = ctx.InputShape(1);
        var y = ctx.OutputShape(0);
        if (x is null || w is null || y is null || !w.IsFullyKnown) return null;
        // Conv: each output element sums C_in/group * prod(kernel) products.
        // ConvTranspose: each input element scatters into C_out/group * prod(kernel) outputs.
        var perSample = ctx.Node.OpType == "Conv" ? y : x;
        if (perSample.ElementCount() is not long elements) return null;
        // Both: weight dims after the first = (channels per group on the other side) * kernel.
        return elements * w.ToLongs().Skip(1).Aggregate(1L, (a, b) => a * b);
    }

    // Conv, group 1: MACs ~ C_in * C_out. Grouped (whole groups removed): channels per group on the
    // weight's mixed side stay fixed, so only the side whose count follows the groups scales.
    public override (bool WithInput, bool WithOutput) MacScaling(Node node)
    {
        bool plain = node.GetInt("group", 1) == 1;
        return node.OpType == "Conv" ? (plain, true) : (true, plain);
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), w = ctx.In(1), b = ctx.In(2), y = ctx.Out(0);
        if (x is null || w is null || y is null || !ctx.HasSlots(x) || !ctx.HasSlots(y) || !ctx.IsSliceableConstant(w))
        {
            ctx.LockAll($"{ctx.Node}: weights are not a constant, or channel counts are unknown");
            return;
        }
        bool transpose = ctx.Node.OpType == "ConvTranspose";
        long group = ctx.Node.GetInt("group", 1);
        // Conv weight [C_out, C_in/g, k...]; ConvTranspose weight [C_in, C_out/g, k...].
        int inAxis = transpose ? 0 : 1, outAxis = transpose ? 1 : 0;
        if (group == 1)
        {
            ctx.SliceConstant(w, inAxis, x, 1, SliceRole.Consumer);
            ctx.SliceConstant(w, outAxis, y, 1, SliceRole.Producer);
        }
        else
        {
            // Grouped and depthwise convs: group k reads input block k and writes output block k, so
            // a removable unit is a whole conv group (for depthwise: one channel in and its outputs).
            long cin = ctx.Width(x), cout = ctx.Width(y);
            if (cin % group != 0 || cout % group != 0) { ctx.LockAll($"{ctx.Node}: channels do not divide into {group} groups"); return; }
            long a = cin / group, bOut = cout / group;
            for (long k = 0; k < group; k++)
            {
                for (long i = 0; i < a; i++) ctx.Join(x, k * a, x, k * a + i);
                for (long j = 0; j < bOut; j++) ctx.Join(x, k * a, y, k * bOut + j);
            }
            // Only the axis indexed by full channel numbers is sliced; the per-group axis stays.
            if (transpose) ctx.SliceConstant(w, 0, x, 1, SliceRole.Producer);
            else ctx.SliceConstant(w, 0, y, 1, SliceRole.Producer);
        }
        if (b is not null) ctx.SliceConstant(b, 0, y, 1, SliceRole.Parameter);
    }

    public override void Rewrite(RewriteContext ctx)
    {
        long group = ctx.Node.GetInt("group", 1);
        if (group == 1 || ctx.Node.Input(0) is not { } x || ctx.Kept(x) is null) return;
        // Whole groups were removed: the group count falls with the input channels.
        long newGroup = group * ctx.NewWidth(x) / ctx.OriginalWidth(x);
        ctx.Node.SetAttr(Attribute.Int("group", newGroup));
    }
}

/// <summary>The geometry of a Conv or ConvTranspose node: attributes with their defaults resolved.</summary>
public sealed record ConvGeometry(long Group, long[] Kernel, long[] Strides, long[] Dilations, long[] PadsBegin,
    long[] PadsEnd, Dim OutChannels, Dim[] OutSpatial)
{
    public static ConvGeometry Of(Node node, Shape x, Shape w)
    {
        bool transpose = node.OpType == "ConvTranspose";
        int spatial = x.Rank - 2;
        if (spatial < 1) throw new GraphException($"node {node}: input rank {x.Rank} is not [N,C,spatial...]");
        if (w.Rank != x.Rank) throw new GraphException($"node {node}: weight rank {w.Rank} differs from input rank {x.Rank}");
        long group = node.GetInt("group", 1);
        long[] kernel = node.GetInts("kernel_shape") ?? w.Dims.Skip(2).Select(d => d.Value ?? throw new GraphException($"node {node}: kernel shape is not known")).ToArray();
        long[] strides = node.GetInts("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dil = node.GetInts("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = node.GetInts("pads") ?? new long[2 * spatial];
        long[] outputPadding = node.GetInts("output_padding") ?? new long[spatial];
        string autoPad = node.GetString("auto_pad", "NOTSET");
        var begin = pads.Take(spatial).ToArray();
        var end = pads.Skip(spatial).Take(spatial).ToArray();
        var outSpatial = new Dim[spatial];
        long[]? explicitOut = transpose ? node.GetInts("output_shape") : null;

        Dim outChannels = transpose
            ? (w[1].Value is long wc ? Dim.Of(wc * group) : Dim.Unknown)
            : w[0];
        if (!transpose && x[1].Value is long cin && w[1].Value is long wcin && cin != wcin * group)
            throw new GraphException($"node {node}: input has {cin} channels, weight expects {wcin}x{group} groups");

        for (int k = 0; k < spatial; k++)
        {
            long effK = (kernel[k] - 1) * dil[k] + 1;
            if (x[k + 2].Value is not long inSize) { outSpatial[k] = Dim.Unknown; continue; }
            if (transpose)
            {
                if (explicitOut is not null) { outSpatial[k] = explicitOut[k]; continue; }
                long total = strides[k] * (inSize - 1) + outputPadding[k] + effK;
                if (autoPad is "SAME_UPPER" or "SAME_LOWER") outSpatial[k] = inSize * strides[k];
                else outSpatial[k] = total - begin[k] - end[k];
                continue;
            }
            switch (autoPad)
            {
                case "SAME_UPPER":
                case "SAME_LOWER":
                {
                    long o = (inSize + strides[k] - 1) / strides[k];
                    long padTotal = Math.Max(0, (o - 1) * strides[k] + effK - inSize);
                    long small = padTotal / 2, large = padTotal - small;
                    begin[k] = autoPad == "SAME_UPPER" ? small : large;
                    end[k] = padTotal - begin[k];
                    outSpatial[k] = o;
                    break;
                }
                case "VALID":
                    begin[k] = end[k] = 0;
                    outSpatial[k] = (inSize - effK) / strides[k] + 1;
                    break;
                default:
                    outSpatial[k] = (inSize + begin[k] + end[k] - effK) / strides[k] + 1;
                    break;
            }
        }
        return new ConvGeometry(group, kernel, strides, dil, begin, end, outChannels, outSpatial);
    }
}
