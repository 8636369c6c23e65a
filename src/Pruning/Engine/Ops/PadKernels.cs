using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Pad in constant mode: fill the output with the value, then copy the input's overlap
/// (negative pads crop). Reflect, edge and wrap modes read input elements more than once and are
/// not supported in training.</summary>
public sealed class PadKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Pad"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        string mode = node.GetString("mode", "constant");
        if (mode != "constant") throw new TrainingException($"node {node}: Pad mode '{mode}' is not supported in training (only constant)");
        var x = inputs[0]!;
        var y = outputs[0];
        int rank = x.Shape.Length;
        // Before opset 11 pads and value are attributes; since, inputs 1 and 2, and input 3 names
        // the padded axes (opset 18).
        var pads = Shapes.Ints(ctx, node, 1, "pads") ?? throw new TrainingException($"node {node}: no pads");
        float value = Shapes.Float(ctx, node, 2, "value", 0);
        var axes = Shapes.Ints(ctx, node, 3, null)?.Select(a => Shapes.Axis(node, a, rank)).ToArray() ?? Enumerable.Range(0, rank).ToArray();
        if (pads.Length != 2 * axes.Length) throw new TrainingException($"node {node}: {pads.Length} pads for {axes.Length} axes");
        var begin = new long[rank];
        for (int j = 0; j < axes.Length; j++) begin[axes[j]] = pads[j];

        long[] xs = Shapes.Strides(x.Shape), ys = Shapes.Strides(y.Shape);
        var shape = new int[rank];
        long src = 0, dst = 0;
        for (int k = 0; k < rank; k++)
        {
            long from = Math.Max(0, -begin[k]), to = Math.Max(0, begin[k]);
            shape[k] = (int)Math.Max(0, Math.Min(x.Shape[k] - from, y.Shape[k] - to));
            src += from * xs[k];
            dst += to * ys[k];
        }
        return new MoveKernel(node, inputs, outputs, [new Move(0, 0, new StridedDesc(shape, src, xs, dst, ys))], fill: value);
    }
}
