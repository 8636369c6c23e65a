using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Transpose: a strided copy reading the input along the permuted axes.</summary>
public sealed class TransposeKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Transpose"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        // No perm reverses the axes.
        var perm = node.GetInts("perm")?.Select(p => Shapes.Axis(node, p, rank)).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        var inStrides = Shapes.Strides(x.Shape);
        var y = outputs[0];
        var desc = new StridedDesc(y.Shape, 0, perm.Select(p => inStrides[p]).ToArray(), 0, Shapes.Strides(y.Shape));
        return new MoveKernel(node, inputs, outputs, [new Move(0, 0, desc)]);
    }
}
