using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Softmax and LogSoftmax. Opset 13 normalises along one axis (default -1); earlier
/// opsets flatten the input to 2-d at the axis (default 1) and normalise each row.</summary>
public sealed class SoftmaxKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Softmax", "LogSoftmax"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        bool perAxis = ctx.Opset >= 13;
        int axis = Shapes.Axis(node, node.GetInt("axis", perAxis ? -1 : 1), x.Shape.Length);
        int outer = (int)Shapes.Count(x.Shape[..axis]);
        var d = perAxis
            ? new SoftmaxDesc(outer, x.Shape[axis], (int)Shapes.Count(x.Shape[(axis + 1)..]), node.OpType == "LogSoftmax")
            : new SoftmaxDesc(outer, (int)Shapes.Count(x.Shape[axis..]), 1, node.OpType == "LogSoftmax");
        return new SoftmaxKernel(node, inputs, outputs, d);
    }

    private sealed class SoftmaxKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, SoftmaxDesc d) : OpKernel(node, inputs, outputs)
    {
        public override void Forward(ExecContext ctx) => ctx.K.Softmax(d, Inputs[0]!.Data, Outputs[0].Data);

        public override void Backward(ExecContext ctx)
        {
            if (Inputs[0]!.Grad is { } dx) ctx.K.SoftmaxBackward(d, Outputs[0].Data, Outputs[0].Grad!, dx, accumulate: true);
        }
    }
}
