using ILGPU;
using ILGPU.Runtime;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Element-wise, broadcast and layout primitives, the masks and the optimizer step.</summary>
public sealed partial class IlgpuKernels
{
    Action<Index1D, UnaryArgs, ArrayView<float>, ArrayView<float>>? unary;
    Action<Index1D, UnaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? unaryBackward;
    Action<Index1D, BinaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>? binary;
    Action<Index1D, BinaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? binaryGrad;
    Action<Index1D, StridedArgs, ArrayView<float>, ArrayView<float>>? stridedCopy;
    Action<Index1D, ArrayView<float>, ArrayView<float>, long, long, ArrayView<float>>? applyMask;
    Action<Index1D, ArrayView<float>, float, ulong, ulong>? randomMask;
    Action<Index1D, SgdArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, FreezeMasks>? sgd;

    public void Unary(UnaryOp op, float a, float b, IBuffer x, IBuffer y, long count)
    {
        if (count == 0) return;
        unary ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, UnaryArgs, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Unary);
        unary(Extent(count), new UnaryArgs { Op = (int)op, A = a, B = b }, V(x), V(y));
    }

    public void UnaryBackward(UnaryOp op, float a, float b, IBuffer x, IBuffer y, IBuffer dy, IBuffer dx, long count, bool accumulate)
    {
        if (count == 0) return;
        unaryBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, UnaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.UnaryBackward);
        unaryBackward(Extent(count), new UnaryArgs { Op = (int)op, A = a, B = b, Accumulate = accumulate ? 1 : 0 }, V(x), V(y), V(dy), V(dx));
    }

    static BinaryArgs BinaryArgsOf(BinaryOp op, in BroadcastDesc d) => new()
    {
        Op = (int)op,
        Out = Dims6.From(d.OutShape),
        A = Strides6.Broadcast(d.AShape, d.OutShape),
        B = Strides6.Broadcast(d.BShape, d.OutShape),
    };

    public void Binary(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y) => Binary(op, d, V(a), V(b), V(y));

    void Binary(BinaryOp op, in BroadcastDesc d, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        if (d.Count == 0) return;
        binary ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, BinaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BroadcastKernels.Binary);
        binary(Extent(d.Count), BinaryArgsOf(op, d), a, b, y);
    }

    public void BinaryBackward(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer dy, IBuffer? da, IBuffer? db)
    {
        if (d.Count == 0) return;
        if (da is not null) OperandGradient(op, d, 0, d.AShape, a, b, dy, da);
        if (db is not null) OperandGradient(op, d, 1, d.BShape, a, b, dy, db);
    }

    /// <summary>Adds one operand's gradient: straight into it when it has the output's shape, else
    /// through scratch reduced over the operand's broadcast axes.</summary>
    void OperandGradient(BinaryOp op, in BroadcastDesc d, int operand, int[] shape, IBuffer a, IBuffer b, IBuffer dy, IBuffer target)
    {
        binaryGrad ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, BinaryArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BroadcastKernels.BinaryGrad);
        var p = BinaryArgsOf(op, d);
        p.Operand = operand;
        if (shape.AsSpan().SequenceEqual(d.OutShape))
        {
            p.Accumulate = 1;
            binaryGrad(Extent(d.Count), p, V(a), V(b), V(dy), V(target));
            return;
        }
        var g = scratch.Get(IlgpuScratch.Slot.Elementwise, d.Count);
        binaryGrad(Extent(d.Count), p, V(a), V(b), V(dy), g);
        Reduce(d.OutShape, shape, 1f, g, V(target), accumulate: true);
    }

    public void StridedCopy(in StridedDesc d, IBuffer source, IBuffer destination, bool accumulate)
    {
        if (d.Count == 0) return;
        stridedCopy ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, StridedArgs, ArrayView<float>, ArrayView<float>>(BroadcastKernels.StridedCopy);
        var p = new StridedArgs
        {
            Shape = Dims6.From(d.Shape), SrcOffset = d.SrcOffset, DstOffset = d.DstOffset,
            Src = Strides6.From(d.SrcStrides), Dst = Strides6.From(d.DstStrides), Accumulate = accumulate ? 1 : 0,
        };
        stridedCopy(Extent(d.Count), p, V(source), V(destination));
    }

    public void ApplyMask(in AxisMask m, IBuffer x, IBuffer y, long count) => ApplyMask(V(m.Mask), m.Inner, m.Period, V(x), V(y), count);

    void ApplyMask(ArrayView<float> mask, long inner, long period, ArrayView<float> x, ArrayView<float> y, long count)
    {
        if (count == 0) return;
        applyMask ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, long, long, ArrayView<float>>(ElementwiseKernels.ApplyMask);
        applyMask(Extent(count), x, mask, inner, period, y);
    }

    public void RandomMask(IBuffer mask, long count, float keep, ulong seed, ulong offset)
    {
        if (count == 0) return;
        randomMask ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, ulong, ulong>(TrainingKernels.RandomMask);
        randomMask(Extent(count), V(mask), keep, seed, offset);
    }

    public void Sgd(in SgdDesc d, IBuffer weights, IBuffer grad, IBuffer velocity, IReadOnlyList<AxisMask> freeze)
    {
        if (d.Count == 0) return;
        sgd ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, SgdArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, FreezeMasks>(TrainingKernels.Sgd);
        var p = new SgdArgs { Lr = d.Lr, Momentum = d.Momentum, WeightDecay = d.WeightDecay, Nesterov = d.Nesterov ? 1 : 0 };
        sgd(Extent(d.Count), p, V(weights), V(grad), V(velocity), FreezeMasksOf(freeze, d.Count));
    }

    /// <summary>The freeze masks by value; more than the kernel's capacity are first multiplied into
    /// one element-wise mask in scratch (Inner 1, Period Count).</summary>
    FreezeMasks FreezeMasksOf(IReadOnlyList<AxisMask> freeze, long count)
    {
        var f = new FreezeMasks();
        if (freeze.Count > FreezeMasks.Capacity)
        {
            var combined = scratch.Get(IlgpuScratch.Slot.Freeze, count);
            Fill(combined, 1f);
            foreach (var m in freeze) ApplyMask(V(m.Mask), m.Inner, m.Period, combined, combined, count);
            f.Count = 1;
            (f.M0, f.Inner0, f.Period0) = (combined, 1, count);
            return f;
        }
        f.Count = freeze.Count;
        for (var k = 0; k < freeze.Count; k++)
        {
            var (view, inner, period) = (V(freeze[k].Mask), freeze[k].Inner, freeze[k].Period);
            switch (k)
            {
                case 0: (f.M0, f.Inner0, f.Period0) = (view, inner, period); break;
                case 1: (f.M1, f.Inner1, f.Period1) = (view, inner, period); break;
                case 2: (f.M2, f.Inner2, f.Period2) = (view, inner, period); break;
                default: (f.M3, f.Inner3, f.Period3) = (view, inner, period); break;
            }
        }
        return f;
    }
}
