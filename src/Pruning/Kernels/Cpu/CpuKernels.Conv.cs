using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Convolutions on <see cref="Conv2d"/>. Conv2d overwrites its gradients, so an accumulating call
/// computes into scratch and adds it on (one extra pass over the gradient). Bias gradients are reductions.</summary>
public sealed unsafe partial class CpuKernels
{
    internal static Conv2dShape Shape(in ConvDesc d) => new(d.N, d.Cin, d.H, d.W, d.Cout, d.Kh, d.Kw)
    {
        StrideH = d.StrideH,
        StrideW = d.StrideW,
        DilationH = d.DilationH,
        DilationW = d.DilationW,
        PadTop = d.PadTop,
        PadLeft = d.PadLeft,
        PadBottom = d.PadBottom,
        PadRight = d.PadRight,
        Groups = d.Groups,
    };

    public void ConvForward(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y)
    {
        var s = Shape(d);
        Conv2d.Forward(s, Span(x, s.InputLength), Span(w, s.WeightLength), bias is null ? default : Span(bias, s.OutChannels),
            Span(y, s.OutputLength), DegreeOfParallelism);
    }

    /// <summary>The output's per-plane moments as it is written (<see cref="Conv2d.Forward"/>), when batch normalization
    /// over it takes its statistics plane by plane (<see cref="PlaneMoments.Apply"/>).</summary>
    public bool ConvForwardWithPlaneMoments(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y, IBuffer moments)
    {
        var s = Shape(d);
        if (!PlaneMoments.Apply(s.Batch, s.OutHeight * s.OutWidth))
        {
            ConvForward(d, x, w, bias, y);
            return false;
        }
        Conv2d.Forward(s, Span(x, s.InputLength), Span(w, s.WeightLength), bias is null ? default : Span(bias, s.OutChannels),
            Span(y, s.OutputLength), DegreeOfParallelism, accumulate: false, (double*)Checked(moments, 4L * s.Batch * s.OutChannels));
        return true;
    }

    public void ConvBackwardData(in ConvDesc d, IBuffer dy, IBuffer w, IBuffer dx, bool accumulate)
    {
        var s = Shape(d);
        Conv2d.BackwardData(s, Span(dy, s.OutputLength), Span(w, s.WeightLength), Span(dx, s.InputLength), DegreeOfParallelism, accumulate);
    }

    public void ConvBackwardWeights(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer dw, IBuffer? dbias, bool accumulate)
    {
        var s = Shape(d);
        var result = WeightResult(s, dw, accumulate);
        Conv2d.BackwardWeights(s, Span(x, s.InputLength), Span(dy, s.OutputLength), result, default, DegreeOfParallelism);
        FinishWeightGradient(d, dy, dw, dbias, result, accumulate);
    }

    public void ConvBackward(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer w, IBuffer dx, bool accumulateDx, IBuffer dw, IBuffer? dbias)
    {
        // Grad input and weight gradient in one pass where the convolution runs that way (Conv2d.BackwardTogether).
        var s = Shape(d);
        var result = WeightResult(s, dw, accumulate: true);
        if (Conv2d.BackwardTogether(s, Span(x, s.InputLength), Span(dy, s.OutputLength), Span(w, s.WeightLength),
                Span(dx, s.InputLength), result, DegreeOfParallelism, accumulateDx))
            FinishWeightGradient(d, dy, dw, dbias, result, accumulate: true);
        else
        {
            ConvBackwardData(d, dy, w, dx, accumulateDx);
            ConvBackwardWeights(d, x, dy, dw, dbias, accumulate: true);
        }
    }

    /// <summary>Where a weight gradient is computed: dw itself, or scratch to add onto it when accumulating.</summary>
    private Span<float> WeightResult(in Conv2dShape s, IBuffer dw, bool accumulate) =>
        accumulate ? Scratch(KernelScratchSlot.ConvGradient, s.WeightLength) : Span(dw, s.WeightLength);

    /// <summary>dw += the scratch result when accumulating; dbias (+)= the bias gradient.</summary>
    private void FinishWeightGradient(in ConvDesc d, IBuffer dy, IBuffer dw, IBuffer? dbias, Span<float> result, bool accumulate)
    {
        if (accumulate) AddInto(Span(dw, result.Length), result);
        // The bias gradient as a reduction, summed in double: before batch normalization it is zero in exact
        // arithmetic, and float sums would leave noise the size of the terms (Conv2d sums in float).
        if (dbias is not null)
            Reduction.Run(new ReduceDesc([d.N, d.Cout, d.OutH * d.OutW], [1, d.Cout, 1], 1f), P(dy), Checked(dbias, d.Cout), accumulate, DegreeOfParallelism);
    }

    /// <summary>The first <paramref name="length"/> floats of the buffer (it must hold them).</summary>
    private static Span<float> Span(IBuffer b, long length) => new(Checked(b, length), checked((int)length));

    private Span<float> Scratch(KernelScratchSlot slot, long length) => new(_scratch.Get(slot, length), checked((int)length));

    /// <summary>target += addend, element-wise, split between the threads.</summary>
    private void AddInto(Span<float> target, Span<float> addend)
    {
        fixed (float* t = target, a = addend)
        {
            nint tp = (nint)t, ap = (nint)a;
            ForRange(target.Length, (start, end) => VectorOps.Add((float*)tp + start, (float*)ap + start, (int)(end - start)));
        }
    }
}
