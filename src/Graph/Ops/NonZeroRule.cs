namespace Spp.Graph.Ops;

/// <summary>NonZero: int64 [rank, count] where the count depends on the data, so it is known (and
/// the result folded) only for constant inputs.</summary>
public sealed class NonZeroRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["NonZero"];

    public override void Infer(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        if (x is null) { ctx.SetOutput(0, ElementType.Int64, null); return; }
        var v = ctx.InputValue(0);
        if (v is null || v.ElementType == ElementType.String || v.ElementType.BitSize() % 8 != 0)
        {
            ctx.SetOutput(0, ElementType.Int64, new Shape([Dim.Of(x.Rank), Dim.Unknown]));
            return;
        }
        var data = v.ToDoubles();
        var hits = ConstantData.Indices(v.Dims).Where((_, i) => data[i] != 0).Select(idx => (long[])idx.Clone()).ToList();
        // Row k lists the k-th coordinate of every non-zero element.
        var result = new long[x.Rank * hits.Count];
        for (int k = 0; k < x.Rank; k++)
            for (int j = 0; j < hits.Count; j++) result[k * hits.Count + j] = hits[j][k];
        ctx.SetOutputValue(0, Tensor.FromInt64s("", [x.Rank, hits.Count], result));
    }
}
