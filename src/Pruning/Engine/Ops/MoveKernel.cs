using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>One strided copy from an input to an output. Its source side never repeats an element,
/// so the reversed copy (destination read, source written) is the exact gradient.</summary>
internal readonly record struct Move(int Input, int Output, StridedDesc Desc)
{
    public StridedDesc Reversed => new(Desc.Shape, Desc.DstOffset, Desc.DstStrides, Desc.SrcOffset, Desc.SrcStrides);
}

/// <summary>Ops that only move elements (Reshape, Transpose, Concat, Split, Slice, Pad, ...):
/// forward is a set of strided copies, after filling the outputs with a constant where some output
/// elements come from no input (Pad); backward adds the reversed copies into the input gradients.</summary>
internal sealed class MoveKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, IReadOnlyList<Move> moves, float? fill = null)
    : OpKernel(node, inputs, outputs)
{
    public override void Forward(ExecContext ctx)
    {
        if (fill is float v)
            foreach (var o in Outputs) ctx.K.Fill(o.Data, v, 0, o.Count);
        foreach (var m in moves)
            if (m.Desc.Count > 0) ctx.K.StridedCopy(m.Desc, Inputs[m.Input]!.Data, Outputs[m.Output].Data, accumulate: false);
    }

    public override void Backward(ExecContext ctx)
    {
        foreach (var m in moves)
            if (m.Desc.Count > 0 && Inputs[m.Input]!.Grad is { } dx && Outputs[m.Output].Grad is { } dy)
                ctx.K.StridedCopy(m.Reversed, dy, dx, accumulate: true);
    }
}
