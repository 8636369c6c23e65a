using ILGPU;
using ILGPU.Algorithms;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>The per-element and per-channel steps of BatchNormalization; the per-channel sums come
/// from <see cref="RowReduceKernel"/>.</summary>
public static class NormalizationKernels
{
    /// <summary>Per channel c: stats[c] holds the batch mean, stats[C + c] the sum of squared
    /// deviations; writes the saved statistics and updates the running ones (ONNX momentum, unbiased
    /// running variance).</summary>
    public static void Finalize(Index1D c, BatchNormArgs p, ArrayView<float> stats, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> saveMean, ArrayView<float> saveInvStd)
    {
        long m = (long)p.N * p.Spatial;
        var mean = stats[c];
        var squares = stats[p.C + c];
        saveMean[c] = mean;
        saveInvStd[c] = XMath.Rsqrt(squares / m + p.Epsilon);
        var unbiased = m > 1 ? squares / (m - 1) : squares / m;
        runningMean[c] = p.Momentum * runningMean[c] + (1f - p.Momentum) * mean;
        runningVar[c] = p.Momentum * runningVar[c] + (1f - p.Momentum) * unbiased;
    }

    /// <summary>y = gamma (x - mean) s + beta, where s = scale[c], or 1 / sqrt(scale[c] + eps) when
    /// the scale holds a variance (inference mode reads the running variance).</summary>
    public static void Normalize(Index1D i, BatchNormArgs p, ArrayView<float> x, ArrayView<float> mean,
        ArrayView<float> scale, int scaleIsVariance, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y)
    {
        var c = i / p.Spatial % p.C;
        var s = scaleIsVariance != 0 ? XMath.Rsqrt(scale[c] + p.Epsilon) : scale[c];
        y[i] = gamma[c] * (x[i] - mean[c]) * s + beta[c];
    }

    /// <summary>dx (+)= gamma invStd / m (m dy - sum(dy) - xhat sum(dy xhat)), with the two sums per
    /// channel in sums[c] and sums[C + c].</summary>
    public static void BackwardData(Index1D i, BatchNormArgs p, ArrayView<float> x, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> invStd, ArrayView<float> sums,
        ArrayView<float> dx, int accumulate)
    {
        var c = i / p.Spatial % p.C;
        float m = (long)p.N * p.Spatial;
        var xhat = (x[i] - mean[c]) * invStd[c];
        var g = gamma[c] * invStd[c] / m * (m * dy[i] - sums[c] - xhat * sums[p.C + c]);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }
}

public struct BatchNormArgs
{
    public int N, C, Spatial;
    public float Epsilon, Momentum;
}
