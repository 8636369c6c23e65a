using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Ops whose output has the input's type and shape: activations, normalisations that keep
/// the shape, Dropout (output 0; its optional mask output has the same shape, bool from opset 10 and
/// the input's type before), Identity, BatchNormalization (outputs 1 and 2 of training mode: the
/// running statistics).</summary>
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
        // Training-mode outputs: the updated running mean and variance, shaped as those inputs.
        if (ctx.Node.OpType == "BatchNormalization")
            for (int i = 1; i <= 2; i++)
                if (ctx.InputType(i + 2) is { } s) ctx.SetOutput(i, s.ElementType, s.Shape);
        if (ctx.Node.OpType == "Identity" && ctx.InputValue(0) is { } v) ctx.SetOutputValue(0, v);
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), y = ctx.Out(0);
        switch (ctx.Node.OpType)
        {
            case "LRN" or "GroupNormalization":
                // Normalises each channel by its neighbours: removing one changes the others.
                ctx.LockAll($"{ctx.Node}: LRN mixes neighbouring channels");
                return;
            case "Softmax" or "LogSoftmax" or "LayerNormalization":
                if (NormalisesChannels(ctx)) { ctx.LockAll($"{ctx.Node}: normalises over the channel axis"); return; }
                break;
            case "BatchNormalization":
                for (int i = 1; i <= 4; i++) if (y is not null) ctx.SliceConstant(ctx.In(i)!, 0, y, 1, SliceRole.Parameter);
                break;
            case "InstanceNormalization":
                for (int i = 1; i <= 2; i++) if (y is not null) ctx.SliceConstant(ctx.In(i)!, 0, y, 1, SliceRole.Parameter);
                break;
            case "PRelu":
                if (y is not null) BiasFlow.Slice(ctx, ctx.In(1), y);
                break;
            case "Dropout":
                ctx.Preserve(x, ctx.Out(1));
                break;
        }
        ctx.Preserve(x, y);
    }

    /// <summary>Softmax-like ops: does the normalisation include axis 1? (Before opset 13 Softmax
    /// flattened from its axis on, default 1; LayerNormalization covers all axes from its axis.)</summary>
    private static bool NormalisesChannels(ChannelFlowContext ctx)
    {
        int rank = ctx.ShapeOf(ctx.In(0))?.Rank ?? 0;
        if (rank < 2) return true;
        bool fromAxisOn = ctx.Node.OpType == "LayerNormalization" || ctx.Opset < 13;
        long axis = ctx.Node.GetInt("axis", fromAxisOn && ctx.Node.OpType != "LayerNormalization" ? 1 : -1);
        if (axis < 0) axis += rank;
        return fromAxisOn ? axis <= 1 : axis == 1;
    }
}
