using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>MaxPool, AveragePool (1-d, 2-d; pads, strides, dilations, ceil_mode through the inferred
/// output size, count_include_pad) and the global pools, which are one window over all of space.</summary>
public sealed class PoolKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        TrainTensor x = inputs[0]!, y = outputs[0];
        if (outputs.Length > 1 && node.Outputs[1].Length > 0)
            throw new TrainingException($"node {node}: the Indices output of MaxPool is not supported in training");
        int n = x.Shape[0], c = x.Shape[1];
        var kind = node.OpType.Contains("Max") ? PoolKind.Max : PoolKind.Average;
        PoolDesc d;
        if (node.OpType.StartsWith("Global"))
        {
            // Any number of spatial dims: space flattened into one row, pooled by one window.
            int spatial = (int)(x.Count / n / c);
            d = new PoolDesc(kind, n, c, 1, spatial, 1, spatial, 1, 1, 0, 0, 0, 0, 1, 1, false);
        }
        else
        {
            var kernel = node.GetInts("kernel_shape")?.Select(v => checked((int)v)).ToArray() ?? throw new TrainingException($"node {node}: no kernel_shape");
            var w = Windows.Read(node, kernel, x.Shape[2..], y.Shape[2..]);
            int[] xs = Windows.Spatial2d(node, x.Shape), ys = Windows.Spatial2d(node, y.Shape);
            d = new PoolDesc(kind, n, c, xs[0], xs[1], w.Kernel[0], w.Kernel[1], w.Strides[0], w.Strides[1],
                w.PadBegin[0], w.PadBegin[1], w.PadEnd[0], w.PadEnd[1], ys[0], ys[1], node.GetInt("count_include_pad", 0) != 0,
                w.Dilations[0], w.Dilations[1]);
        }
        return new PoolKernel(node, inputs, outputs, d, kind == PoolKind.Max ? ctx.K.Allocate(y.Count) : null);
    }

    private sealed class PoolKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, PoolDesc d, IBuffer? argmax)
        : OpKernel(node, inputs, outputs)
    {
        public override IEnumerable<IBuffer> OwnedBuffers => argmax is null ? [] : [argmax];

        public override void Forward(ExecContext ctx) => ctx.K.PoolForward(d, Inputs[0]!.Data, Outputs[0].Data, argmax);

        public override void Backward(ExecContext ctx)
        {
            if (Inputs[0]!.Grad is { } dx) ctx.K.PoolBackward(d, Outputs[0].Grad!, argmax, dx);
        }
    }
}
