using ILGPU;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Kernels with one thread per element and no cross-element dependency.</summary>
public static class ElementwiseKernels
{
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    public static void Unary(Index1D i, UnaryArgs p, ArrayView<float> x, ArrayView<float> y) =>
        y[i] = UnaryMath.Forward(p.Op, p.A, p.B, x[i]);

    public static void UnaryBackward(Index1D i, UnaryArgs p, ArrayView<float> x, ArrayView<float> y,
        ArrayView<float> dy, ArrayView<float> dx)
    {
        var g = dy[i] * UnaryMath.Derivative(p.Op, p.A, p.B, x[i], y[i]);
        dx[i] = p.Accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>y[e] = x[e] * mask[(e / inner) % period].</summary>
    public static void ApplyMask(Index1D i, ArrayView<float> x, ArrayView<float> mask, long inner, long period,
        ArrayView<float> y) => y[i] = x[i] * mask[(i / inner) % period];
}

/// <summary>Parameters of a unary kernel; Y and dY are passed even when unused so one signature serves.</summary>
public struct UnaryArgs
{
    public int Op;
    public float A, B;
    public int Accumulate;
}
