using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Conv and ConvTranspose over 1-d or 2-d NC... tensors with any stride, padding,
/// dilation and group count. ConvTranspose is the data gradient of the convolution whose weights it
/// holds ([Cin, Cout/group, ...] is that convolution's [Cout', Cin'/group, ...]), so its forward is
/// <see cref="IKernels.ConvBackwardData"/> and its backward a forward convolution and a weight
/// gradient with the roles of x and dy swapped.</summary>
public sealed class ConvKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Conv", "ConvTranspose"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [1, 2];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        TrainTensor x = inputs[0]!, w = inputs[1] ?? throw new TrainingException($"node {node}: no weights"), y = outputs[0];
        int groups = (int)node.GetInt("group", 1);
        var kernel = w.Shape[2..];
        var xs = Windows.Spatial2d(node, x.Shape);
        var ys = Windows.Spatial2d(node, y.Shape);
        if (node.OpType == "Conv")
        {
            var win = Windows.Read(node, kernel, x.Shape[2..], y.Shape[2..]);
            var d = win.Conv(x.Shape[0], x.Shape[1], xs, y.Shape[1], groups);
            if (d.OutH != ys[0] || d.OutW != ys[1])
                throw new TrainingException($"node {node}: window arithmetic gives {d.OutH}x{d.OutW}, shape inference {ys[0]}x{ys[1]}");
            return new ConvKernel(node, inputs, outputs, d);
        }
        var t = Windows.Read(node, kernel, x.Shape[2..], y.Shape[2..], transposed: true);
        // The convolution this transposes maps y's shape to x's.
        var cd = t.Conv(x.Shape[0], y.Shape[1], ys, x.Shape[1], groups);
        if (cd.OutH != xs[0] || cd.OutW != xs[1])
            throw new TrainingException($"node {node}: output_padding or output_shape beyond what a stride-{t.Strides[1]} transpose can give");
        return new ConvTransposeKernel(node, inputs, outputs, cd, ctx.K.Allocate(x.Count));
    }

    private sealed class ConvKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, ConvDesc d) : OpKernel(node, inputs, outputs)
    {
        public override bool OverwritesGrad(int input) => input == 0;

        public override bool BackwardReadsOutput => false;

        public override bool ProvidesMoments => true;

        public override void Forward(ExecContext ctx)
        {
            IBuffer x = Inputs[0]!.Data, w = Inputs[1]!.Data, y = Outputs[0].Data;
            var b = Inputs.ElementAtOrDefault(2)?.Data;
            // The statistics only serve training: in eval mode, and with BN frozen, BN reads its running statistics.
            if (Moments is { } link && ctx.Training && !ctx.FrozenBatchNorm) link.Valid = ctx.K.ConvForwardWithPlaneMoments(d, x, w, b, y, link.Buffer);
            else ctx.K.ConvForward(d, x, w, b, y);
        }

        public override void Backward(ExecContext ctx)
        {
            TrainTensor x = Inputs[0]!, w = Inputs[1]!;
            var b = Inputs.ElementAtOrDefault(2);
            var dy = Outputs[0].Grad!;
            if (x.Grad is { } dx && w.Grad is { } dw) ctx.K.ConvBackward(d, x.Data, dy, w.Data, dx, accumulateDx: !WritesGrad(0), dw, b?.Grad);
            else if (x.Grad is { } dxOnly) ctx.K.ConvBackwardData(d, dy, w.Data, dxOnly, accumulate: !WritesGrad(0));
            else if (w.Grad is { } dwOnly) ctx.K.ConvBackwardWeights(d, x.Data, dy, dwOnly, b?.Grad, accumulate: true);
            // Constant weights (a folded expression) with a trainable bias: the bias gradient on its own.
            if (w.Grad is null && b?.Grad is { } db) ChannelSum(ctx.K, Outputs[0].Shape, dy, db);
        }
    }

    private sealed class ConvTransposeKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, ConvDesc d, IBuffer dxScratch)
        : OpKernel(node, inputs, outputs)
    {
        public override IEnumerable<IBuffer> OwnedBuffers => [dxScratch];

        public override void Forward(ExecContext ctx)
        {
            var y = Outputs[0];
            bool bias = Inputs.ElementAtOrDefault(2) is { } b;
            if (bias)
            {
                // y starts as the bias broadcast over batch and space; the transposed conv adds to it.
                int[] shape = [y.Shape[0], y.Shape[1], (int)(y.Count / y.Shape[0] / y.Shape[1])];
                ctx.K.StridedCopy(new StridedDesc(shape, 0, [0, 1, 0], 0, Shapes.Strides(shape)), Inputs[2]!.Data, y.Data, accumulate: false);
            }
            ctx.K.ConvBackwardData(d, Inputs[0]!.Data, Inputs[1]!.Data, y.Data, accumulate: bias);
        }

        public override void Backward(ExecContext ctx)
        {
            TrainTensor x = Inputs[0]!, w = Inputs[1]!;
            var dy = Outputs[0].Grad!;
            if (x.Grad is { } dx)
            {
                ctx.K.ConvForward(d, dy, w.Data, null, dxScratch);
                Shapes.Copy(ctx.K, dxScratch, dx, x.Count, accumulate: true);
            }
            if (w.Grad is { } dw) ctx.K.ConvBackwardWeights(d, dy, x.Data, dw, null, accumulate: true);
            if (Inputs.ElementAtOrDefault(2)?.Grad is { } db) ChannelSum(ctx.K, Outputs[0].Shape, dy, db);
        }
    }

    /// <summary>db += the sum of dy over batch and space (a bias gradient).</summary>
    internal static void ChannelSum(IKernels k, int[] shape, IBuffer dy, IBuffer db)
    {
        int spatial = (int)(Shapes.Count(shape) / shape[0] / shape[1]);
        k.Reduce(new ReduceDesc([shape[0], shape[1], spatial], [1, shape[1], 1], 1), dy, db, accumulate: true);
    }
}
