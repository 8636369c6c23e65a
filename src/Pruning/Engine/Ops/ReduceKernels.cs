using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>ReduceSum and ReduceMean over constant axes (attribute, or input 1 from opset 13 for
/// ReduceSum and 18 for ReduceMean), keepdims or not: the output's elements are laid out as the
/// keepdims shape either way. Backward broadcasts the (scaled) output gradient back.</summary>
public sealed class ReduceKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["ReduceSum", "ReduceMean"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        var axes = Shapes.Ints(ctx, node, 1, "axes");
        bool noop = node.GetInt("noop_with_empty_axes", 0) != 0;
        var reduced = axes is null || axes.Length == 0
            ? (noop ? [] : Enumerable.Range(0, rank).ToArray())
            : axes.Select(a => Shapes.Axis(node, a, rank)).ToArray();
        var kept = x.Shape.Select((dim, k) => reduced.Contains(k) ? 1 : dim).ToArray();
        long n = reduced.Aggregate(1L, (p, k) => p * x.Shape[k]);
        float scale = node.OpType == "ReduceMean" ? 1f / n : 1f;
        return new ReduceKernel(node, inputs, outputs, x.Shape, kept, scale, ctx.K.Allocate(Shapes.Count(kept)));
    }

    private sealed class ReduceKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, int[] inShape, int[] kept, float scale, IBuffer scaled)
        : OpKernel(node, inputs, outputs)
    {
        public override IEnumerable<IBuffer> OwnedBuffers => [scaled];

        public override void Forward(ExecContext ctx) => ctx.K.Reduce(new ReduceDesc(inShape, kept, scale), Inputs[0]!.Data, Outputs[0].Data, accumulate: false);

        public override void Backward(ExecContext ctx)
        {
            if (Inputs[0]!.Grad is not { } dx) return;
            long count = Outputs[0].Count;
            ctx.K.Unary(UnaryOp.Scale, scale, 0, Outputs[0].Grad!, scaled, count);
            // Stride 0 along the reduced axes repeats each output gradient over what it summed.
            var src = Shapes.Strides(kept).Select((s, k) => kept[k] == 1 && inShape[k] != 1 ? 0 : s).ToArray();
            ctx.K.StridedCopy(new StridedDesc(inShape, 0, src, 0, Shapes.Strides(inShape)), scaled, dx, accumulate: true);
        }
    }
}
