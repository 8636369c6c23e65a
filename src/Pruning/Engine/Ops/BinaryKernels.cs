using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Element-wise ops of two broadcast operands (Add, Sub, Mul, Div, Max, Min, PRelu):
/// <see cref="IKernels.Binary"/> forward, <see cref="IKernels.BinaryBackward"/> summing each
/// operand's gradient over the axes it was broadcast along. Constant operands (a bias, an SE scale
/// from an initializer, a PRelu slope stored as a constant) are not trained, except PRelu's slope.</summary>
public sealed class BinaryKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu"];

    public IReadOnlyList<int> TrainableInputs(Node node) => node.OpType == "PRelu" ? [1] : [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var op = Enum.Parse<BinaryOp>(node.OpType);
        // Max and Min take any number of inputs; the one-input form is a copy of it.
        if (inputs.Length == 1 && op is BinaryOp.Max or BinaryOp.Min) inputs = [inputs[0], inputs[0]];
        if (inputs.Length != 2 || inputs.Any(i => i is null))
            throw new TrainingException($"node {node}: training supports {node.OpType} of two inputs, not {inputs.Length}");
        var desc = Shapes.Broadcast(node, outputs[0].Shape, inputs[0]!.Shape, inputs[1]!.Shape);
        return new BinaryKernel(node, inputs, outputs, op, desc);
    }

    private sealed class BinaryKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, BinaryOp op, BroadcastDesc desc)
        : OpKernel(node, inputs, outputs)
    {
        /// <summary>The in-place activation after the op, fused into it (Add and Sub only: their backward reads nothing else).</summary>
        private Activation? _activation;

        public override Activation? FusedActivation => _activation;

        public override bool TryFuseActivation(Activation activation)
        {
            if (_activation is not null || op is not (BinaryOp.Add or BinaryOp.Sub)) return false;
            _activation = activation;
            return true;
        }

        public override void Forward(ExecContext ctx)
        {
            if (_activation is { } act) ctx.K.BinaryActivation(op, desc, Inputs[0]!.Data, Inputs[1]!.Data, Outputs[0].Data, act);
            else ctx.K.Binary(op, desc, Inputs[0]!.Data, Inputs[1]!.Data, Outputs[0].Data);
        }

        public override void Backward(ExecContext ctx)
        {
            TrainTensor a = Inputs[0]!, b = Inputs[1]!;
            var dy = Outputs[0].Grad!;
            // The fused activation's in-place backward first, reading its output, as its own kernel would have.
            if (_activation is { } act) ctx.K.ActivationBackwardInPlace(act, Outputs[0].Data, dy, Outputs[0].Count);
            // An operand whose gradient this kernel writes outright gets dy (or -dy) copied, unless the graph gave it dy's
            // buffer (PassesGradThrough); the other is added to.
            if (WritesGrad(0) && a.Grad != dy) ctx.K.Unary(UnaryOp.Identity, 0f, 0f, dy, a.Grad!, a.Count);
            if (WritesGrad(1) && b.Grad != dy) ctx.K.Unary(op == BinaryOp.Add ? UnaryOp.Identity : UnaryOp.Neg, 0f, 0f, dy, b.Grad!, b.Count);
            var da = WritesGrad(0) ? null : a.Grad;
            var db = WritesGrad(1) ? null : b.Grad;
            if (da is not null || db is not null) ctx.K.BinaryBackward(op, desc, a.Data, b.Data, dy, da, db);
        }

        /// <summary>Add and Sub read neither operand nor the output in backward (unless an activation is fused in).</summary>
        public override bool BackwardReadsOutput => op is not (BinaryOp.Add or BinaryOp.Sub) || _activation is not null;

        /// <summary>Add's operands and Sub's first, of the output's shape, take dy itself.</summary>
        public override bool PassesGradThrough(int input) => OverwritesGrad(input) && (op == BinaryOp.Add || input == 0);

        /// <summary>Add and Sub pass dy (or -dy) through to an operand of the output's shape: that gradient can be written.</summary>
        public override bool OverwritesGrad(int input) =>
            op is BinaryOp.Add or BinaryOp.Sub && Inputs[input]!.Shape.AsSpan().SequenceEqual(Outputs[0].Shape);
    }
}
