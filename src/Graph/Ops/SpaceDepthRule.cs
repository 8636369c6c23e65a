namespace Spp.Graph.Ops;

/// <summary>DepthToSpace and SpaceToDepth on [N,C,H,W]: blocksize² channels trade places with a
/// blocksize × blocksize spatial block.</summary>
public sealed class SpaceDepthRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["DepthToSpace", "SpaceToDepth"];

    public override void Infer(InferenceContext ctx)
    {
        if (!ctx.TryShapedInput(out var elem, out var x)) return;
        if (x.Rank != 4) throw ctx.Error($"needs [N,C,H,W], got {x}");
        long b = ctx.Node.GetInt("blocksize", 0);
        if (b <= 0) throw ctx.Error($"blocksize {b}");
        bool toSpace = ctx.Node.OpType == "DepthToSpace";
        Dim Div(Dim d, long by) => d.Value is long n
            ? (n % by == 0 ? Dim.Of(n / by) : throw ctx.Error($"dim {n} is not a multiple of {by}"))
            : Dim.Unknown;
        Dim Mul(Dim d, long by) => d.Value is long n ? Dim.Of(n * by) : Dim.Unknown;
        var shape = toSpace
            ? new Shape([x[0], Div(x[1], b * b), Mul(x[2], b), Mul(x[3], b)])
            : new Shape([x[0], Mul(x[1], b * b), Div(x[2], b), Div(x[3], b)]);
        ctx.SetOutput(0, elem, shape);
    }
}
