using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Concat and Split: each input (output) is a block of the output (input) along the axis,
/// moved by one strided copy over an [outer, block, inner] view. Split sizes are read from the
/// inferred output shapes, which already reflect the split input, attribute or num_outputs.</summary>
public sealed class ConcatSplitKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Concat", "Split"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        bool concat = node.OpType == "Concat";
        var whole = concat ? outputs[0] : inputs[0]!;
        TrainTensor?[] parts = concat ? inputs : outputs;
        int axis = Shapes.Axis(node, node.GetInt("axis", concat ? 1 : 0), whole.Shape.Length);
        int outer = (int)Shapes.Count(whole.Shape.Take(axis)), inner = (int)Shapes.Count(whole.Shape.Skip(axis + 1));
        int total = whole.Shape[axis];
        var moves = new List<Move>();
        long at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i] ?? throw new TrainingException($"node {node}: input {i} is omitted");
            int block = p.Shape[axis];
            long[] partStrides = [(long)block * inner, inner, 1], wholeStrides = [(long)total * inner, inner, 1];
            int[] shape = [outer, block, inner];
            moves.Add(concat
                ? new Move(i, 0, new StridedDesc(shape, 0, partStrides, at * inner, wholeStrides))
                : new Move(0, i, new StridedDesc(shape, at * inner, wholeStrides, 0, partStrides)));
            at += block;
        }
        if (at != total) throw new TrainingException($"node {node}: parts of {at} along axis {axis} for a whole of {total}");
        return new MoveKernel(node, inputs, outputs, moves);
    }
}
