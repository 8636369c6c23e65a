using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Element-wise activations of one input: one <see cref="IKernels.Unary"/> forward and
/// its <see cref="IKernels.UnaryBackward"/>, with the ONNX attribute defaults of each op.</summary>
public sealed class ActivationKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } =
        ["Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Softplus", "Exp", "Neg", "Abs", "Sqrt"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var (op, a, b) = node.OpType switch
        {
            "Relu" => (UnaryOp.Relu, 0f, 0f),
            "LeakyRelu" => (UnaryOp.LeakyRelu, node.GetFloat("alpha", 0.01f), 0f),
            // Bounds are inputs from opset 11 and attributes before; either may be absent (unbounded).
            "Clip" => (UnaryOp.Clip, Shapes.Float(ctx, node, 1, "min", float.NegativeInfinity), Shapes.Float(ctx, node, 2, "max", float.PositiveInfinity)),
            "Sigmoid" => (UnaryOp.Sigmoid, 0f, 0f),
            "HardSigmoid" => (UnaryOp.HardSigmoid, node.GetFloat("alpha", 0.2f), node.GetFloat("beta", 0.5f)),
            "HardSwish" => (UnaryOp.HardSwish, 0f, 0f),
            "Tanh" => (UnaryOp.Tanh, 0f, 0f),
            "Elu" => (UnaryOp.Elu, node.GetFloat("alpha", 1f), 0f),
            "Softplus" => (UnaryOp.Softplus, 0f, 0f),
            "Exp" => (UnaryOp.Exp, 0f, 0f),
            "Neg" => (UnaryOp.Neg, 0f, 0f),
            "Abs" => (UnaryOp.Abs, 0f, 0f),
            "Sqrt" => (UnaryOp.Sqrt, 0f, 0f),
            _ => throw new TrainingException($"node {node}: {node.OpType} is not an activation"),
        };
        return new UnaryKernel(node, inputs, outputs, op, a, b);
    }

    private sealed class UnaryKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, UnaryOp op, float a, float b)
        : OpKernel(node, inputs, outputs)
    {
        private TrainTensor X => Inputs[0]!;
        private TrainTensor Y => Outputs[0];

        public override void Forward(ExecContext ctx) => ctx.K.Unary(op, a, b, X.Data, Y.Data, Y.Count);

        public override void Backward(ExecContext ctx)
        {
            if (X.Grad is { } dx) ctx.K.UnaryBackward(op, a, b, X.Data, Y.Data, Y.Grad!, dx, Y.Count, accumulate: !WritesGrad(0));
        }

        public override bool OverwritesGrad(int input) => input == 0;

        /// <summary>ReLU and Clip (with min &lt;= max): their slope is 1 exactly where the output lies strictly
        /// inside the bounds, as it is where the input does (the reference's kink convention), so Backward
        /// gives the same gradient reading the output as the input.</summary>
        public override Activation? InPlaceActivation =>
            op == UnaryOp.Relu || op == UnaryOp.Clip && a <= b ? new Activation(op, a, b) : null;
    }
}
