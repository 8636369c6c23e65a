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
