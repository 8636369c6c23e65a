using ILGPU;
using ILGPU.Algorithms;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Softmax along the middle axis of [Outer, Axis, Inner] (one thread per row) and the
/// soft-target cross-entropy (one thread per sample).</summary>
public static class SoftmaxKernels
{
    public static void Forward(Index1D row, SoftmaxArgs p, ArrayView<float> x, ArrayView<float> y)
    {
        var start = row / p.Inner * (long)p.Axis * p.Inner + row % p.Inner;
        var max = float.NegativeInfinity;
        for (var a = 0; a < p.Axis; a++) max = XMath.Max(max, x[start + (long)a * p.Inner]);
        var sum = 0f;
        for (var a = 0; a < p.Axis; a++) sum += XMath.Exp(x[start + (long)a * p.Inner] - max);
        var lse = max + XMath.Log(sum);
        for (var a = 0; a < p.Axis; a++)
        {
            var at = start + (long)a * p.Inner;
            y[at] = p.Log != 0 ? x[at] - lse : XMath.Exp(x[at] - lse);
        }
    }

    /// <summary>softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - e^y sum(dy).</summary>
    public static void Backward(Index1D row, SoftmaxArgs p, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int accumulate)
    {
        var start = row / p.Inner * (long)p.Axis * p.Inner + row % p.Inner;
        var s = 0f;
        for (var a = 0; a < p.Axis; a++)
        {
            var at = start + (long)a * p.Inner;
            s += p.Log != 0 ? dy[at] : dy[at] * y[at];
        }
        for (var a = 0; a < p.Axis; a++)
        {
            var at = start + (long)a * p.Inner;
            var g = p.Log != 0 ? dy[at] - XMath.Exp(y[at]) * s : y[at] * (dy[at] - s);
            dx[at] = accumulate != 0 ? dx[at] + g : g;
        }
    }

    /// <summary>loss_r = -sum_j t_j log softmax(z / T)_j; dz_j = scale (sum(t) p_j - t_j) / (T n).</summary>
    public static void CrossEntropy(Index1D r, CrossEntropyArgs p, ArrayView<float> logits, ArrayView<float> targets,
        ArrayView<float> losses, ArrayView<float> dlogits)
    {
        var start = (long)r.X * p.K;
        var max = float.NegativeInfinity;
        for (var j = 0; j < p.K; j++) max = XMath.Max(max, logits[start + j] / p.Temperature);
        var sum = 0f;
        for (var j = 0; j < p.K; j++) sum += XMath.Exp(logits[start + j] / p.Temperature - max);
        var lse = max + XMath.Log(sum);
        var loss = 0f;
        var targetSum = 0f;
        for (var j = 0; j < p.K; j++)
        {
            loss += targets[start + j] * (lse - logits[start + j] / p.Temperature);
            targetSum += targets[start + j];
        }
        losses[r] = loss;
        if (p.HasGrad == 0) return;
        var factor = p.Scale / (p.Temperature * p.N);
        for (var j = 0; j < p.K; j++)
            dlogits[start + j] = factor * (targetSum * XMath.Exp(logits[start + j] / p.Temperature - lse) - targets[start + j]);
    }
}

public struct SoftmaxArgs
{
    public int Axis, Inner, Log;
}

public struct CrossEntropyArgs
{
    public int N, K, HasGrad;
    public float Temperature, Scale;
}
