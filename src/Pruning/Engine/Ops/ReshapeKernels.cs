using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Ops whose output holds the input's elements in the same order under another shape
/// (Reshape, Flatten, Squeeze, Unsqueeze) or unchanged (Identity, Cast from float to float). The
/// training graph gives every value its own buffer, so these copy; a copy is cheap next to a conv
/// and keeps every value's gradient separate.</summary>
public sealed class ReshapeKernels : IOpKernelFactory
{
    private const long OnnxFloat = 1;

    public IReadOnlyList<string> OpTypes { get; } = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Cast"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        // Training runs in float32: a cast to another type would change values the kernels cannot hold.
        if (node.OpType == "Cast" && node.GetInt("to", OnnxFloat) != OnnxFloat)
            throw new TrainingException($"node {node}: Cast to element type {node.GetInt("to", 0)} on a trained path; training runs in float32");
        var x = inputs[0] ?? throw new TrainingException($"node {node}: no input");
        if (x.Count != outputs[0].Count)
            throw new TrainingException($"node {node}: {x} and {outputs[0]} differ in element count");
        return new MoveKernel(node, inputs, outputs, [new Move(0, 0, Shapes.Flat(x.Count))]);
    }
}
