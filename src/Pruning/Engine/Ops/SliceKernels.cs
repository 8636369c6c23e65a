using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Slice: one strided copy starting at the clamped starts and stepping by the steps
/// (negative steps walk backwards). Counts come from the inferred output shape.</summary>
public sealed class SliceKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Slice"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        // Attributes before opset 10, inputs since.
        var starts = Shapes.Ints(ctx, node, 1, "starts") ?? throw new TrainingException($"node {node}: no starts");
        var axesArg = Shapes.Ints(ctx, node, 3, "axes");
        var steps = Shapes.Ints(ctx, node, 4, null) ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        var axes = axesArg?.Select(a => Shapes.Axis(node, a, rank)).ToArray() ?? Enumerable.Range(0, starts.Length).ToArray();

        var inStrides = Shapes.Strides(x.Shape);
        var srcStrides = (long[])inStrides.Clone();
        long offset = 0;
        for (int j = 0; j < axes.Length; j++)
        {
            int k = axes[j];
            long n = x.Shape[k], step = steps[j], s = starts[j];
            if (step == 0) throw new TrainingException($"node {node}: step 0");
            // ONNX clamping: negative starts count from the end; forward steps clamp to [0, n],
            // backward steps to [0, n - 1].
            if (s < 0) s += n;
            s = step > 0 ? Math.Clamp(s, 0, n) : Math.Clamp(s, 0, n - 1);
            offset += s * inStrides[k];
            srcStrides[k] = step * inStrides[k];
        }
        var y = outputs[0];
        var desc = new StridedDesc(y.Shape, offset, srcStrides, 0, Shapes.Strides(y.Shape));
        return new MoveKernel(node, inputs, outputs, [new Move(0, 0, desc)]);
    }
}
