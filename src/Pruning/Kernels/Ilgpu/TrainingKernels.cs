using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>The optimizer step and the dropout mask.</summary>
public static class TrainingKernels
{
    /// <summary>g = grad + wd w; v = m v + g; w -= lr (nesterov ? g + m v : v), except where a freeze
    /// mask is 0: there weight and velocity stay.</summary>
    public static void Sgd(Index1D i, SgdArgs p, ArrayView<float> w, ArrayView<float> grad, ArrayView<float> velocity, FreezeMasks f)
    {
        if (f.Frozen(i)) return;
        var g = grad[i] + p.WeightDecay * w[i];
        var v = p.Momentum * velocity[i] + g;
        velocity[i] = v;
        w[i] -= p.Lr * (p.Nesterov != 0 ? g + p.Momentum * v : v);
    }

    /// <summary>The shared <see cref="CounterRandom"/> compiled into the kernel, so the mask is the CPU's.</summary>
    public static void RandomMask(Index1D i, ArrayView<float> mask, float keep, ulong seed, ulong offset) =>
        mask[i] = CounterRandom.Uniform(seed, offset + (ulong)i.X) < keep ? 1f / keep : 0f;
}

public struct SgdArgs
{
    public float Lr, Momentum, WeightDecay;
    public int Nesterov;
}

/// <summary>Up to <see cref="Capacity"/> axis masks by value (a kernel takes no list); element e is
/// frozen when any mask is 0 at (e / Inner) % Period.</summary>
public struct FreezeMasks
{
    public const int Capacity = 4;
    public int Count;
    public ArrayView<float> M0, M1, M2, M3;
    public long Inner0, Inner1, Inner2, Inner3, Period0, Period1, Period2, Period3;

    public readonly bool Frozen(long e) =>
        (Count > 0 && M0[e / Inner0 % Period0] == 0f) ||
        (Count > 1 && M1[e / Inner1 % Period1] == 0f) ||
        (Count > 2 && M2[e / Inner2 % Period2] == 0f) ||
        (Count > 3 && M3[e / Inner3 % Period3] == 0f);
}
