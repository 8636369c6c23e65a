namespace Spp.Pruning.Engine;

/// <summary>
/// The small set of compute primitives the training engine is written against (DESIGN.md "Training";
/// kept small on purpose, as tinygrad does). Two implementations: the CPU backend (SIMD, multi-threaded,
/// managed) and the ILGPU backend (CUDA, or ILGPU's CPU accelerator in tests). Every op's forward and
/// backward is expressed in these calls, so a backend is proven by the same op tests.
///
/// Conventions: buffers hold float32; shapes are row-major (NCHW). "accumulate" = add into the
/// destination instead of overwriting it (gradients of values read by several nodes add up).
/// Calls may run asynchronously; <see cref="Download"/> and <see cref="Synchronize"/> wait.
/// </summary>
public interface IKernels : IDisposable
{
    string Name { get; }

    /// <summary>A zero-filled buffer.</summary>
    IBuffer Allocate(long length);
    void Upload(ReadOnlySpan<float> source, IBuffer destination, long offset = 0);
    void Download(IBuffer source, Span<float> destination, long offset = 0);
    void Fill(IBuffer destination, float value, long offset, long count);
    void Synchronize();

    void Gemm(in GemmDesc d, IBuffer a, IBuffer b, IBuffer c);

    void ConvForward(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y);

    /// <summary>Whether <see cref="ConvForwardWithPlaneMoments"/> can write the statistics (false: this interface's default).</summary>
    bool TakesPlaneMoments => false;

    /// <summary>
    /// <see cref="ConvForward"/> for an output that a training-mode BatchNormalization reads next: a backend may also
    /// write, into <paramref name="moments"/> (4 N Cout floats), what that BN's statistics need of y while y is in its
    /// caches, and then returns true; <see cref="BatchNormForwardWithPlaneMoments"/> takes them. This default computes y
    /// only.
    /// </summary>
    /// <remarks>A backend that keeps this default says so with <see cref="TakesPlaneMoments"/> false, and the graph links no
    /// convolution to its BN.</remarks>
    bool ConvForwardWithPlaneMoments(in ConvDesc d, IBuffer x, IBuffer w, IBuffer? bias, IBuffer y, IBuffer moments)
    {
        ConvForward(d, x, w, bias, y);
        return false;
    }
    void ConvBackwardData(in ConvDesc d, IBuffer dy, IBuffer w, IBuffer dx, bool accumulate);
    /// <summary>dw (and dbias) of one batch; accumulate adds to what is there.</summary>
    void ConvBackwardWeights(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer dw, IBuffer? dbias, bool accumulate);

    /// <summary>
    /// <see cref="ConvBackwardData"/> (dx overwritten, or added to with <paramref name="accumulateDx"/>) and
    /// <see cref="ConvBackwardWeights"/> (added onto dw and dbias) of one batch; a backend may compute both in one pass
    /// over the images. This default makes the two calls.
    /// </summary>
    void ConvBackward(in ConvDesc d, IBuffer x, IBuffer dy, IBuffer w, IBuffer dx, bool accumulateDx, IBuffer dw, IBuffer? dbias)
    {
        ConvBackwardData(d, dy, w, dx, accumulateDx);
        ConvBackwardWeights(d, x, dy, dw, dbias, accumulate: true);
    }

    void Unary(UnaryOp op, float a, float b, IBuffer x, IBuffer y, long count);
    /// <summary>dx (+)= dy * f'(x); y = f(x) is given for ops whose derivative is cheaper from it.</summary>
    void UnaryBackward(UnaryOp op, float a, float b, IBuffer x, IBuffer y, IBuffer dy, IBuffer dx, long count, bool accumulate);

    void Binary(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y);
    /// <summary>y = f(a op b) for an in-place activation f fused after a binary op (a residual Add and its ReLU). This
    /// default runs the two.</summary>
    void BinaryActivation(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y, Activation activation)
    {
        Binary(op, d, a, b, y);
        ActivationInPlace(activation, y, d.Count);
    }

    /// <summary>y = f(y) for an activation that runs in place (ReLU, Clip).</summary>
    void ActivationInPlace(Activation activation, IBuffer y, long count) => Unary(activation.Op, activation.A, activation.B, y, y, count);

    /// <summary>dy = dy * f'(y) for an activation that runs in place (ReLU, Clip: its slope read off its output y), the
    /// backward of <see cref="ActivationInPlace"/> in the buffers it shares with its input.</summary>
    void ActivationBackwardInPlace(Activation activation, IBuffer y, IBuffer dy, long count) =>
        UnaryBackward(activation.Op, activation.A, activation.B, y, y, dy, dy, count, accumulate: false);

    /// <summary>Adds the gradients of both operands (summed over their broadcast axes) into da and db;
    /// either may be null when not needed, and both may be the same buffer (x * x).</summary>
    void BinaryBackward(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer dy, IBuffer? da, IBuffer? db);

    void StridedCopy(in StridedDesc d, IBuffer source, IBuffer destination, bool accumulate);
    void Reduce(in ReduceDesc d, IBuffer x, IBuffer y, bool accumulate);

    /// <summary>Training mode: batch statistics into saveMean/saveInvStd, running statistics updated
    /// with the momentum (ONNX convention: running = momentum * running + (1 - momentum) * batch,
    /// unbiased variance). Inference mode: running statistics used, nothing updated. A fused activation
    /// (<see cref="BatchNormDesc.Activation"/>) is applied to y.</summary>
    void BatchNormForward(in BatchNormDesc d, bool training, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y);
    /// <summary>Training-mode <see cref="BatchNormForward"/> of an x whose <see cref="ConvForwardWithPlaneMoments"/> returned
    /// true with these <paramref name="moments"/>; the same results. This default recomputes them.</summary>
    void BatchNormForwardWithPlaneMoments(in BatchNormDesc d, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y, IBuffer moments) =>
        BatchNormForward(d, true, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y);

    /// <summary>Training-mode backward of plain BN (the descriptor's activation is ignored): dx (+)= ..., dgamma and
    /// dbeta are added to.</summary>
    void BatchNormBackward(in BatchNormDesc d, IBuffer x, IBuffer dy, IBuffer gamma, IBuffer saveMean, IBuffer saveInvStd,
        IBuffer dx, IBuffer dgamma, IBuffer dbeta, bool accumulate);

    /// <summary>
    /// Training-mode backward of BN with its fused activation (<see cref="BatchNormDesc.Activation"/>): dy is the
    /// gradient of the activated output y (what the forward wrote), and is overwritten with the gradient at the
    /// activation's input, as the activation's own in-place backward would leave it; then as
    /// <see cref="BatchNormBackward"/>. This default runs those two steps; a backend may fuse them (beta and the
    /// saved statistics let it recompute the pre-activation values instead of reading y).
    /// </summary>
    void BatchNormActivationBackward(in BatchNormDesc d, IBuffer x, IBuffer y, IBuffer dy, IBuffer gamma, IBuffer beta,
        IBuffer saveMean, IBuffer saveInvStd, IBuffer dx, IBuffer dgamma, IBuffer dbeta, bool accumulate)
    {
        if (d.Activation is { } activation) ActivationBackwardInPlace(activation, y, dy, d.Count);
        BatchNormBackward(d with { Activation = null }, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta, accumulate);
    }

    /// <summary>argmax is written for max pooling when given: per output, the winning input's index
    /// within its (n, c) plane, ih * W + iw, as a float (exact for planes up to 2^24 elements); -1
    /// when the window covers no input element (the output is then 0).</summary>
    void PoolForward(in PoolDesc d, IBuffer x, IBuffer y, IBuffer? argmax);
    /// <summary>Adds the gradient of the pool into dx.</summary>
    void PoolBackward(in PoolDesc d, IBuffer dy, IBuffer? argmax, IBuffer dx);

    void Softmax(in SoftmaxDesc d, IBuffer x, IBuffer y);
    void SoftmaxBackward(in SoftmaxDesc d, IBuffer y, IBuffer dy, IBuffer dx, bool accumulate);

    /// <summary>Mean cross-entropy of logits [n, k] against soft or hard targets [n, k] (rows sum to
    /// 1), with temperature T (logits / T); writes the per-sample losses and, when given,
    /// dlogits = scale * d(mean loss)/d(logits).</summary>
    void SoftCrossEntropy(int n, int k, float temperature, IBuffer logits, IBuffer targets, IBuffer losses, IBuffer? dlogits, float scale);

    /// <summary>y[e] = x[e] * mask[(e / inner) % period] (channel gating of consumer weights).</summary>
    void ApplyMask(in AxisMask m, IBuffer x, IBuffer y, long count);
    /// <summary>sums[u] += sum over elements e of unit u of a[e] * b[e] (per-unit gradient statistics).</summary>
    void AxisDot(in AxisMask m, IBuffer a, IBuffer b, IBuffer sums, long count);

    /// <summary>mask[i] = U(seed, offset + i) &lt; keep ? 1 / keep : 0 with U =
    /// <see cref="CounterRandom.Uniform"/>, which every backend computes identically (Dropout; same
    /// seed, same mask on CPU and GPU).</summary>
    void RandomMask(IBuffer mask, long count, float keep, ulong seed, ulong offset);

    /// <summary>One SGD step; elements frozen by any of <paramref name="freeze"/> stay as they are.</summary>
    void Sgd(in SgdDesc d, IBuffer weights, IBuffer grad, IBuffer velocity, IReadOnlyList<AxisMask> freeze);
}
