namespace Spp.Graph.Ops;

/// <summary>Slice with ONNX's clamping rules: starts, ends, axes and steps as attributes (before
/// opset 10) or inputs, negative indices counted from the end, negative steps walking backwards.
/// Folded for constant data: exporters slice shape vectors.</summary>
public sealed class SliceRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Slice"];

    /// <summary>An end at or beyond this is "to the end" on an axis of unknown size: exporters
    /// write INT64_MAX or INT32_MAX there, and no tensor axis is this long.</summary>
    private const long Open = int.MaxValue;

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        // Non-short-circuit '|': every list is read, so the axes are known even when starts are not.
        if (!IntArgs.TryRead(ctx, 1, "starts", out var starts) | !IntArgs.TryRead(ctx, 2, "ends", out var ends)
            | !IntArgs.TryRead(ctx, 3, "axes", out var axesArg) | !IntArgs.TryRead(ctx, 4, null, out var steps))
        {
            // Axes that are known and not sliced keep their dims.
            var partial = x.Dims.ToArray();
            var touched = axesArg is not null ? IntArgs.Axes(ctx, axesArg, x.Rank) : Enumerable.Range(0, x.Rank).ToArray();
            foreach (var k in touched) partial[k] = Dim.Unknown;
            ctx.SetOutput(0, elem, new Shape(partial));
            return;
        }
        if (starts is null || ends is null) throw ctx.Error("starts and ends are required");
        if (ends.Length != starts.Length) throw ctx.Error($"{starts.Length} starts and {ends.Length} ends");
        var axes = axesArg is null ? Enumerable.Range(0, starts.Length).ToArray() : IntArgs.Axes(ctx, axesArg, x.Rank);
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (axes.Length != starts.Length || steps.Length != starts.Length) throw ctx.Error("starts, ends, axes and steps differ in length");

        var dims = x.Dims.ToArray();
        var begin = new long[x.Rank];
        var stride = Enumerable.Repeat(1L, x.Rank).ToArray();
        for (int j = 0; j < axes.Length; j++)
        {
            int k = axes[j];
            if (steps[j] == 0) throw ctx.Error($"step 0 on axis {k}");
            stride[k] = steps[j];
            if (x[k].Value is not long n)
            {
                dims[k] = Whole(starts[j], ends[j], steps[j]) ? x[k] : Dim.Unknown;
                continue;
            }
            var (s, count) = Range(starts[j], ends[j], steps[j], n);
            begin[k] = s;
            dims[k] = Dim.Of(count);
        }
        var shape = new Shape(dims);
        ctx.SetOutput(0, elem, shape);
        if (ctx.InputValue(0) is { } v && ConstantData.Foldable(shape) && Fold(v, shape.ToLongs(), begin, stride) is { } folded)
            ctx.SetOutputValue(0, folded);
    }

    /// <summary>First index and element count of start:end:step on an axis of size n, clamped as
    /// ONNX specifies (to [0, n] forwards, [-1, n-1] backwards).</summary>
    public static (long Start, long Count) Range(long start, long end, long step, long n)
    {
        if (n == 0) return (0, 0);
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, n);
            end = Math.Clamp(end, 0, n);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, n - 1);
        end = Math.Clamp(end, -1, n - 1);
        return (start, Math.Max(0, (start - end - step - 1) / -step));
    }

    /// <summary>Whether start:end:step takes a whole axis of any size, in order or reversed.</summary>
    private static bool Whole(long start, long end, long step) =>
        (step == 1 && start == 0 && end >= Open) || (step == -1 && (start == -1 || start >= Open) && end <= -Open);

    private static Tensor? Fold(Tensor v, long[] outDims, long[] begin, long[] stride)
    {
        var inStrides = ConstantData.Strides(v.Dims);
        var source = new List<long>();
        foreach (var idx in ConstantData.Indices(outDims))
        {
            long flat = 0;
            for (int k = 0; k < idx.Length; k++) flat += (begin[k] + idx[k] * stride[k]) * inStrides[k];
            source.Add(flat);
        }
        return ConstantData.Take(v, outDims, source);
    }
}
