namespace Spp.Graph.Ops;

/// <summary>Ops whose output has the input's type and shape: activations, normalisations that keep
/// the shape, Dropout (output 0; its optional mask output has the same shape, bool from opset 10 and
/// the input's type before), Identity.</summary>
public sealed class UnaryRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } =
    [
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Elu", "Selu",
        "Softplus", "Softsign", "Mish", "Gelu", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Erf",
        "Floor", "Ceil", "Round", "Sign", "Not", "Identity", "Dropout", "BatchNormalization",
        "InstanceNormalization", "GroupNormalization", "LRN", "Softmax", "LogSoftmax", "LayerNormalization",
    ];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        ctx.SetOutput(0, t.ElementType, t.Shape);
        if (ctx.Node.OpType == "Dropout") ctx.SetOutput(1, ctx.Opset < 10 ? t.ElementType : ElementType.Bool, t.Shape);
        if (ctx.Node.OpType == "Identity" && ctx.InputValue(0) is { } v) ctx.SetOutputValue(0, v);
    }
}
