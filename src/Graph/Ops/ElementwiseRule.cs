using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Broadcasting element-wise ops with any number of inputs. Folded to a constant when all
/// inputs are small constants (the shape arithmetic of dynamic-batch exports).</summary>
public sealed class ElementwiseRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } =
        ["Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow", "Equal", "Less", "Greater",
         "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod", "Where"];

    private static bool IsComparison(string op) => op is "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor";

    public override void Infer(InferenceContext ctx)
    {
        var op = ctx.Node.OpType;
        if (Enumerable.Range(0, ctx.InputCount).Any(i => ctx.HasInput(i) && ctx.InputType(i) is null)) return;
        var shapes = Enumerable.Range(0, ctx.InputCount).Where(ctx.HasInput).Select(ctx.InputShape).ToList();
        // Where's value type is that of its second input; comparisons give bool.
        var elem = op == "Where" ? ctx.InputElementType(1) : IsComparison(op) ? ElementType.Bool : ctx.InputElementType(0);
        var shape = Broadcast.Shapes(shapes);
        ctx.SetOutput(0, elem, shape);

        var values = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputValue).ToList();
        if (shape is null || !shape.IsFullyKnown || values.Any(v => v is null) || values.Count == 0) return;
        if (shape.ElementCount() > ShapeInference.MaxFoldedElements) return;
        if (values.Any(v => v!.ElementType == ElementType.String)) return;
        ctx.SetOutputValue(0, Fold(op, values!, shape.ToLongs(), elem));
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? y = ctx.Out(0);
        if (y is null || !ctx.HasSlots(y)) { ctx.LockAll($"{ctx.Node}: result channels unknown"); return; }
        int rank = ctx.ShapeOf(y)!.Rank;
        long channels = ctx.Width(y);
        for (int i = 0; i < ctx.Node.Inputs.Count; i++)
        {
            string? x = ctx.In(i);
            if (x is null || ctx.ShapeOf(x) is not { } s) { ctx.LockAll($"{ctx.Node}: operand {i} has an unknown shape"); return; }
            int axis = BiasFlow.ChannelAxis(s, rank, channels);
            if (ctx.HasSlots(x))
            {
                if (s.Rank == rank && axis == 1) { ctx.Preserve(x, y); continue; }   // full-channel operand: slot by slot
                if (s.Rank == rank && s[1].Value == 1) continue;                       // broadcast along channels
                // Its axis 1 lands on another axis of the result: its channels are not channels here.
                ctx.LockAll($"{ctx.Node}: operand '{x}' is broadcast with its channels on another axis");
                return;
            }
            if (axis < 0) continue;                                                  // broadcast along channels
            if (ctx.IsSliceableConstant(x)) ctx.SliceConstant(x, axis, y, 1, SliceRole.Parameter);
            else { ctx.LockAll($"{ctx.Node}: operand '{x}' has channels sppc cannot follow"); return; }
        }
    }

    private static Tensor Fold(string op, List<Tensor> inputs, long[] outDims, ElementType elem)
    {
        long n = Tensor.ElementCountOf(outDims);
        var data = inputs.Select(t => t.ToDoubles()).ToList();
        var result = new double[n];
        bool integer = !elem.IsFloatingPoint();
        for (long i = 0; i < n; i++)
        {
            var args = new double[inputs.Count];
            for (int k = 0; k < inputs.Count; k++) args[k] = data[k][BroadcastIndex(i, outDims, inputs[k].Dims)];
            result[i] = Apply(op, args, integer);
        }
        return Tensor.FromDoubles("", elem, outDims, result);
    }

    private static double Apply(string op, double[] a, bool integer) => op switch
    {
        "Add" => a[0] + a[1],
        "Sub" => a[0] - a[1],
        "Mul" => a[0] * a[1],
        "Div" => integer ? Math.Truncate(a[0] / a[1]) : a[0] / a[1],
        "Mod" => a[0] % a[1],
        "Pow" => Math.Pow(a[0], a[1]),
        "Max" => a.Max(),
        "Min" => a.Min(),
        "Sum" => a.Sum(),
        "Mean" => a.Average(),
        "Equal" => a[0] == a[1] ? 1 : 0,
        "Less" => a[0] < a[1] ? 1 : 0,
        "Greater" => a[0] > a[1] ? 1 : 0,
        "LessOrEqual" => a[0] <= a[1] ? 1 : 0,
        "GreaterOrEqual" => a[0] >= a[1] ? 1 : 0,
        "And" => a[0] != 0 && a[1] != 0 ? 1 : 0,
        "Or" => a[0] != 0 || a[1] != 0 ? 1 : 0,
        "Xor" => (a[0] != 0) ^ (a[1] != 0) ? 1 : 0,
        "Where" => a[0] != 0 ? a[1] : a[2],
        _ => throw new NotSupportedException(op),
    };

    /// <summary>Flat index into a broadcast operand for flat output index <paramref name="i"/>.</summary>
    public static long BroadcastIndex(long i, long[] outDims, long[] inDims)
    {
        long idx = 0, stride = 1;
        for (int k = outDims.Length - 1, j = inDims.Length - 1; k >= 0; k--, j--)
        {
            long coord = i % outDims[k];
            i /= outDims[k];
            if (j < 0) continue;
            if (inDims[j] != 1) idx += coord * stride;
            stride *= inDims[j];
        }
        return idx;
    }
}
