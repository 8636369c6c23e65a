namespace Spp.Graph.Ops;

/// <summary>Range(start, limit, delta): a 1-d tensor of max(ceil((limit-start)/delta), 0)
/// elements, folded when its three scalars are constants.</summary>
public sealed class RangeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Range"];

    public override void Infer(InferenceContext ctx)
    {
        var elem = ctx.InputElementType(0);
        if (elem == ElementType.Undefined) return;
        var values = Enumerable.Range(0, 3).Select(ctx.InputValue).ToArray();
        if (values.Any(v => v is null || v.ElementCount != 1)) { ctx.SetOutput(0, elem, new Shape([Dim.Unknown])); return; }
        var (start, limit, delta) = (values[0]!.ToDoubles()[0], values[1]!.ToDoubles()[0], values[2]!.ToDoubles()[0]);
        if (delta == 0) throw ctx.Error("delta is 0");
        // ONNX Runtime subtracts in the element type, then divides in double.
        double span = elem == ElementType.Float ? (float)limit - (float)start : limit - start;
        long n = Math.Max((long)Math.Ceiling(span / delta), 0);
        var shape = new Shape(n);
        ctx.SetOutput(0, elem, shape);
        if (!ConstantData.Foldable(shape)) return;
        var data = new double[n];
        for (long i = 0; i < n; i++) data[i] = start + i * delta;
        ctx.SetOutputValue(0, Tensor.FromDoubles("", elem, [n], data));
    }
}
