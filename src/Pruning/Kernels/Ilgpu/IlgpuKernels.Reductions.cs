using ILGPU;
using ILGPU.Runtime;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Reductions (Reduce, AxisDot, bias and depthwise gradients, BatchNorm statistics) through
/// the group row-reduction kernel, plus the row-wise normalizations: pooling, softmax, cross-entropy.</summary>
public sealed partial class IlgpuKernels
{
    /// <summary>Rows at most this long are summed by one thread each rather than by a group.</summary>
    const long ShortRow = 32;

    /// <summary>Compiled row reductions, one per term type (each is its own kernel specialization).</summary>
    readonly Dictionary<Type, Delegate> rowReductions = [];

    Action<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? bnFinalize;
    Action<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? bnNormalize;
    Action<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? bnBackward;
    Action<Index1D, PoolArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? poolForward;
    Action<Index1D, PoolArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>? poolBackward;
    Action<Index1D, SoftmaxArgs, ArrayView<float>, ArrayView<float>>? softmax;
    Action<Index1D, SoftmaxArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? softmaxBackward;
    Action<Index1D, CrossEntropyArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? crossEntropy;

    /// <summary>y[r] (+)= scale * sum over j &lt; rowLength of term(r, j), for r &lt; rows.</summary>
    void RowReduce<T>(T term, ArrayView<float> y, long rows, long rowLength, float scale, bool accumulate)
        where T : struct, IRowTerm
    {
        if (rows == 0) return;
        var acc = accumulate ? 1 : 0;
        if (rowLength <= ShortRow)
        {
            var perThread = (Action<Index1D, T, ArrayView<float>, long, float, int>)CachedRowReduction<T>(perThread: true);
            perThread(Extent(rows), term, y, rowLength, scale, acc);
            return;
        }
        var grouped = (Action<KernelConfig, T, ArrayView<float>, long, float, int>)CachedRowReduction<T>(perThread: false);
        grouped(new KernelConfig(Extent(rows), new Index1D(groupSize)), term, y, rowLength, scale, acc);
    }

    Delegate CachedRowReduction<T>(bool perThread) where T : struct, IRowTerm
    {
        var key = perThread ? typeof(Action<T>) : typeof(T);
        if (rowReductions.TryGetValue(key, out var k)) return k;
        k = perThread
            ? Accelerator.LoadAutoGroupedStreamKernel<Index1D, T, ArrayView<float>, long, float, int>(RowReduceKernel.PerThread)
            : Accelerator.LoadStreamKernel<T, ArrayView<float>, long, float, int>(RowReduceKernel.Run);
        rowReductions[key] = k;
        return k;
    }

    public void Reduce(in ReduceDesc d, IBuffer x, IBuffer y, bool accumulate) =>
        Reduce(d.InShape, d.OutShape, d.Scale, V(x), V(y), accumulate);

    void Reduce(int[] inShape, int[] outShape, float scale, ArrayView<float> x, ArrayView<float> y, bool accumulate)
    {
        Span<long> inDims = stackalloc long[6], outDims = stackalloc long[6], reduced = stackalloc long[6];
        Dims6.Pad(inShape, inDims);
        Dims6.Pad(outShape, outDims);
        for (var k = 0; k < 6; k++) reduced[k] = outDims[k] == inDims[k] ? 1 : inDims[k];
        Span<long> strides = stackalloc long[6];
        long stride = 1;
        for (var k = 5; k >= 0; k--) { strides[k] = stride; stride *= inDims[k]; }
        var term = new AxesTerm
        {
            X = x,
            Kept = Dims6.From(outShape),
            Reduced = new Dims6 { D0 = reduced[0], D1 = reduced[1], D2 = reduced[2], D3 = reduced[3], D4 = reduced[4], D5 = reduced[5] },
            Strides = Strides6.From(strides),
        };
        var rows = term.Kept.Count;
        if (term.Reduced.Count == 0 && !accumulate) Fill(y.SubView(0, rows), 0f);
        else RowReduce(term, y, rows, term.Reduced.Count, scale, accumulate);
    }

    public void AxisDot(in AxisMask m, IBuffer a, IBuffer b, IBuffer sums, long count) =>
        RowReduce(new AxisDotTerm { A = V(a), B = V(b), Inner = m.Inner, Period = m.Period }, V(sums), m.Period, count / m.Period, 1f, accumulate: true);

    public void BatchNormForward(in BatchNormDesc d, bool training, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y)
    {
        var p = new BatchNormArgs { N = d.N, C = d.C, Spatial = d.Spatial, Epsilon = d.Epsilon, Momentum = d.Momentum };
        long m = (long)d.N * d.Spatial, count = m * d.C;
        if (count == 0) return;
        bnNormalize ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NormalizationKernels.Normalize);
        if (!training)
        {
            bnNormalize(Extent(count), p, V(x), V(runningMean), V(runningVar), 1, V(gamma), V(beta), V(y));
            if (d.Activation is { } fused) ((IKernels)this).ActivationInPlace(fused, y, count);
            return;
        }
        // Two passes (mean, then squared deviations) keep the variance accurate when |mean| >> std.
        var stats = scratch.Get(IlgpuScratch.Slot.Statistics, 2L * d.C);
        RowReduce(new ChannelTerm { X = V(x), Center = V(x), C = d.C, Spatial = d.Spatial }, stats, d.C, m, 1f / m, false);
        RowReduce(new ChannelTerm { X = V(x), Center = stats, C = d.C, Spatial = d.Spatial, Squared = 1 }, stats.SubView(d.C, d.C), d.C, m, 1f, false);
        bnFinalize ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NormalizationKernels.Finalize);
        bnFinalize(Extent(d.C), p, stats, V(runningMean), V(runningVar), V(saveMean), V(saveInvStd));
        bnNormalize(Extent(count), p, V(x), V(saveMean), V(saveInvStd), 0, V(gamma), V(beta), V(y));
        if (d.Activation is { } activation) ((IKernels)this).ActivationInPlace(activation, y, count);
    }

    public void BatchNormBackward(in BatchNormDesc d, IBuffer x, IBuffer dy, IBuffer gamma, IBuffer saveMean, IBuffer saveInvStd,
        IBuffer dx, IBuffer dgamma, IBuffer dbeta, bool accumulate)
    {
        var p = new BatchNormArgs { N = d.N, C = d.C, Spatial = d.Spatial, Epsilon = d.Epsilon, Momentum = d.Momentum };
        long m = (long)d.N * d.Spatial, count = m * d.C;
        if (count == 0) return;
        var sums = scratch.Get(IlgpuScratch.Slot.Statistics, 2L * d.C);
        RowReduce(new ChannelTerm { X = V(dy), Center = V(dy), C = d.C, Spatial = d.Spatial }, sums, d.C, m, 1f, false);
        RowReduce(new NormalizedDotTerm { X = V(x), Dy = V(dy), Mean = V(saveMean), InvStd = V(saveInvStd), C = d.C, Spatial = d.Spatial },
            sums.SubView(d.C, d.C), d.C, m, 1f, false);
        bnBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, BatchNormArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(NormalizationKernels.BackwardData);
        bnBackward(Extent(count), p, V(x), V(dy), V(gamma), V(saveMean), V(saveInvStd), sums, V(dx), accumulate ? 1 : 0);
        var channels = new BroadcastDesc([d.C], [d.C], [d.C]);
        Binary(BinaryOp.Add, channels, V(dbeta), sums.SubView(0, d.C), V(dbeta));
        Binary(BinaryOp.Add, channels, V(dgamma), sums.SubView(d.C, d.C), V(dgamma));
    }

    public void PoolForward(in PoolDesc d, IBuffer x, IBuffer y, IBuffer? argmax)
    {
        long count = (long)d.N * d.C * d.OutH * d.OutW;
        if (count == 0) return;
        poolForward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, PoolArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(PoolKernels.Forward);
        // Without an argmax the kernel is handed y as a placeholder it never writes.
        var record = argmax is not null && d.Kind == PoolKind.Max;
        poolForward(Extent(count), PoolArgs.From(d), V(x), V(y), record ? V(argmax!) : V(y), record ? 1 : 0);
    }

    public void PoolBackward(in PoolDesc d, IBuffer dy, IBuffer? argmax, IBuffer dx)
    {
        long count = (long)d.N * d.C * d.H * d.W;
        if (count == 0) return;
        if (d.Kind == PoolKind.Max && argmax is null) throw new ArgumentException("max pooling backward needs the argmax of the forward pass");
        poolBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, PoolArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PoolKernels.Backward);
        poolBackward(Extent(count), PoolArgs.From(d), V(dy), argmax is null ? V(dy) : V(argmax), V(dx));
    }

    public void Softmax(in SoftmaxDesc d, IBuffer x, IBuffer y)
    {
        long rows = (long)d.Outer * d.Inner;
        if (rows == 0) return;
        softmax ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, SoftmaxArgs, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.Forward);
        softmax(Extent(rows), new SoftmaxArgs { Axis = d.Axis, Inner = d.Inner, Log = d.Log ? 1 : 0 }, V(x), V(y));
    }

    public void SoftmaxBackward(in SoftmaxDesc d, IBuffer y, IBuffer dy, IBuffer dx, bool accumulate)
    {
        long rows = (long)d.Outer * d.Inner;
        if (rows == 0) return;
        softmaxBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, SoftmaxArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(SoftmaxKernels.Backward);
        softmaxBackward(Extent(rows), new SoftmaxArgs { Axis = d.Axis, Inner = d.Inner, Log = d.Log ? 1 : 0 }, V(y), V(dy), V(dx), accumulate ? 1 : 0);
    }

    public void SoftCrossEntropy(int n, int k, float temperature, IBuffer logits, IBuffer targets, IBuffer losses, IBuffer? dlogits, float scale)
    {
        if (n == 0) return;
        crossEntropy ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, CrossEntropyArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.CrossEntropy);
        var p = new CrossEntropyArgs { N = n, K = k, HasGrad = dlogits is null ? 0 : 1, Temperature = temperature, Scale = scale };
        // Without dlogits the kernel is handed the losses as a placeholder it never writes.
        crossEntropy(Extent(n), p, V(logits), V(targets), V(losses), dlogits is null ? V(losses) : V(dlogits));
    }
}
