using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>MaxPool, AveragePool, LpPool (kernel, strides, pads or auto_pad, dilations, ceil_mode)
/// and the global pools.</summary>
public sealed class PoolRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } =
        ["MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        var x = t.Shape;
        if (x is null) { ctx.SetOutput(0, t.ElementType, null); return; }
        if (x.Rank < 3) throw ctx.Error($"pooling needs [N,C,spatial...], got {x}");
        var node = ctx.Node;
        var dims = new List<Dim> { x[0], x[1] };
        if (node.OpType.StartsWith("Global", StringComparison.Ordinal))
        {
            dims.AddRange(Enumerable.Repeat(Dim.Of(1), x.Rank - 2));
        }
        else
        {
            var g = PoolGeometry.Of(node, x);
            dims.AddRange(g.OutSpatial);
        }
        var shape = new Shape(dims);
        ctx.SetOutput(0, t.ElementType, shape);
        if (node.OpType == "MaxPool") ctx.SetOutput(1, ElementType.Int64, shape);
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        ctx.Preserve(ctx.In(0), ctx.Out(0));
        ctx.Preserve(ctx.In(0), ctx.Out(1));
    }
}

/// <summary>Resolved attributes of a windowed pooling node.</summary>
public sealed record PoolGeometry(long[] Kernel, long[] Strides, long[] Dilations, long[] PadsBegin, long[] PadsEnd, bool CeilMode, Dim[] OutSpatial)
{
    public static PoolGeometry Of(Node node, Shape x)
    {
        int spatial = x.Rank - 2;
        long[] kernel = node.GetInts("kernel_shape") ?? throw new GraphException($"node {node}: kernel_shape is required");
        long[] strides = node.GetInts("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dil = node.GetInts("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = node.GetInts("pads") ?? new long[2 * spatial];
        bool ceil = node.GetInt("ceil_mode", 0) != 0;
        string autoPad = node.GetString("auto_pad", "NOTSET");
        var begin = pads.Take(spatial).ToArray();
        var end = pads.Skip(spatial).Take(spatial).ToArray();
        var outSpatial = new Dim[spatial];
        for (int k = 0; k < spatial; k++)
        {
            if (x[k + 2].Value is not long n) { outSpatial[k] = Dim.Unknown; continue; }
            long effK = (kernel[k] - 1) * dil[k] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                long o = (n + strides[k] - 1) / strides[k];
                long total = Math.Max(0, (o - 1) * strides[k] + effK - n);
                begin[k] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end[k] = total - begin[k];
                outSpatial[k] = o;
                continue;
            }
            if (autoPad == "VALID") begin[k] = end[k] = 0;
            long span = n + begin[k] + end[k] - effK;
            long outSize = ceil ? (span + strides[k] - 1) / strides[k] + 1 : span / strides[k] + 1;
            // With ceil_mode the last window must start inside the input or left padding.
            if (ceil && (outSize - 1) * strides[k] >= n + begin[k]) outSize--;
            outSpatial[k] = outSize;
        }
        return new PoolGeometry(kernel, strides, dil, begin, end, ceil, outSpatial);
    }
}
