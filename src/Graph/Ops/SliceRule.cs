using Spp.Graph.Channels;

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

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), y = ctx.Out(0);
        if (!ctx.HasSlots(x)) { ctx.LockValue(y, $"{ctx.Node}: slices a tensor without channels"); return; }
        if (ChannelRange(ctx) is not { } r) { ctx.LockAll($"{ctx.Node}: slice bounds are not constants sppc can rewrite"); return; }
        if (r.Whole) ctx.Preserve(x, y);
        else ctx.Map(x!, r.Start, y!, 0, r.Count);
    }

    /// <summary>The slice on the channel axis (whole when untouched); null when it cannot be
    /// followed: bounds not constant, batch axis sliced, or a channel step other than 1.</summary>
    private static (bool Whole, long Start, long Count)? ChannelRange(ChannelFlowContext ctx)
    {
        var xs = ctx.ShapeOf(ctx.In(0))!;
        long[]? starts = ctx.Ints(1, "starts"), ends = ctx.Ints(2, "ends"), axesArg = ctx.Ints(3, "axes"), steps = ctx.Ints(4, null);
        if (starts is null || ends is null || (ctx.In(3) is not null && axesArg is null) || (ctx.In(4) is not null && steps is null)) return null;
        var axes = axesArg?.Select(a => a < 0 ? a + xs.Rank : a).ToArray() ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        (bool, long, long) result = (true, 0, xs[1].Value!.Value);
        for (int j = 0; j < axes.Length; j++)
        {
            long step = steps?[j] ?? 1;
            long n = xs[(int)axes[j]].Value ?? -1;
            if (axes[j] > 1) continue;
            var (s, count) = n < 0 ? (0, -1) : Range(starts[j], ends[j], step, n);
            if (count == n && step == 1) continue;               // whole axis
            if (axes[j] == 0 || step != 1) return null;
            // Rewritten bounds must live in constants (or attributes).
            foreach (int input in new[] { 1, 2 })
                if (ctx.In(input) is { } b && !ctx.IsSliceableConstant(b)) return null;
            result = (false, s, count);
        }
        return result;
    }

    public override void Rewrite(RewriteContext ctx)
    {
        var x = ctx.Node.Input(0)!;
        var y = ctx.Node.Outputs[0];
        if (ctx.Kept(x) is null || ctx.OriginalTypes.ShapeOf(x) is not { } xs) return;
        var axes = ReadInts(ctx, 3, "axes")?.Select(a => a < 0 ? a + xs.Rank : a).ToArray()
            ?? Enumerable.Range(0, ReadInts(ctx, 1, "starts")!.Length).Select(a => (long)a).ToArray();
        int j = Array.IndexOf(axes, 1L);
        if (j < 0) return;
        var starts = ReadInts(ctx, 1, "starts")!;
        var (start, count) = Range(starts[j], ReadInts(ctx, 2, "ends")![j], 1, ctx.OriginalWidth(x));
        if (count == ctx.OriginalWidth(x)) return;                 // whole channel axis: bounds still hold
        long newStart = ctx.NewIndex(x, start);
        SetInt(ctx, 1, "starts", j, newStart);
        SetInt(ctx, 2, "ends", j, newStart + ctx.NewWidth(y));
    }

    private static long[]? ReadInts(RewriteContext ctx, int input, string attr) => ctx.Node.Input(input) is { } n
        ? (ctx.Graph.Initializer(n) ?? ctx.OriginalTypes.ValueOf(n))?.ToInt64s()
        : ctx.Node.GetInts(attr);

    private static void SetInt(RewriteContext ctx, int input, string attr, int index, long value)
    {
        if (ctx.Node.Input(input) is { } n)
        {
            var old = (ctx.Graph.Initializer(n) ?? ctx.OriginalTypes.ValueOf(n))!;
            var v = old.ToInt64s();
            v[index] = value;
            ctx.ReplaceConstantInput(input, Tensor.FromDoubles("", old.ElementType, old.Dims, v.Select(d => (double)d).ToArray()));
        }
        else
        {
            var v = (long[])ctx.Node.GetInts(attr)!.Clone();
            v[index] = value;
            ctx.Node.SetAttr(Attribute.IntList(attr, v));
        }
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
