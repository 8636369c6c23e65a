namespace Spp.Graph.Ops;

/// <summary>The integer lists (axes, pads, starts, repeats...) that ONNX moved from attributes to
/// inputs across opsets, read the same way by every rule, and axis normalisation. Reading the input
/// when the node has one and the attribute otherwise serves every opset without a version table:
/// a valid node only ever carries the form of its own opset.</summary>
public static class IntArgs
{
    /// <summary>The list from input <paramref name="input"/> when the node has that input, else
    /// from attribute <paramref name="attr"/> (null when the op has no such attribute). Returns
    /// false when the input is given but its value is not a known constant; true with a null list
    /// when neither is given.</summary>
    public static bool TryRead(InferenceContext ctx, int input, string? attr, out long[]? values)
    {
        if (ctx.HasInput(input))
        {
            values = ctx.InputValue(input)?.ToInt64s();
            return values is not null;
        }
        values = attr is null ? null : ctx.Node.GetInts(attr);
        return true;
    }

    /// <summary>Axes made non-negative for a tensor of <paramref name="rank"/>; out-of-range and
    /// repeated axes are errors of the node.</summary>
    public static int[] Axes(InferenceContext ctx, IEnumerable<long> axes, int rank)
    {
        var result = new List<int>();
        foreach (long a in axes)
        {
            long n = a < 0 ? a + rank : a;
            if (n < 0 || n >= rank) throw ctx.Error($"axis {a} is out of range for rank {rank}");
            if (result.Contains((int)n)) throw ctx.Error($"axis {a} is given twice");
            result.Add((int)n);
        }
        return result.ToArray();
    }

    /// <summary>One axis attribute (default <paramref name="dflt"/>) normalised for <paramref name="rank"/>.</summary>
    public static int Axis(InferenceContext ctx, string attr, long dflt, int rank) =>
        Axes(ctx, [ctx.Node.GetInt(attr, dflt)], rank)[0];

    /// <summary>A shape of <paramref name="rank"/> dims that are all unknown: what is left when only
    /// the rank of an output can be told.</summary>
    public static Shape UnknownDims(long rank) => new(Enumerable.Repeat(Dim.Unknown, checked((int)rank)));

    /// <summary>Length of a 1-d input (a shape or repeats vector) when its shape says it, else null.</summary>
    public static long? VectorLength(InferenceContext ctx, int input) =>
        ctx.InputShape(input) is { Rank: 1 } s ? s[0].Value : null;
}
