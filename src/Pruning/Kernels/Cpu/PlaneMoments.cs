using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The statistics batch normalization takes plane by plane (<see cref="CpuKernels"/>' plane-order statistics, for planes
/// of at most one statistics block): per (image, channel) plane, (its mean, its sum of squared deviations from it), two
/// doubles, merged per channel afterwards. One place, so that a convolution that writes them as its output leaves its
/// cache (<see cref="Conv2d.Forward"/>) gives the same bits as batch normalization computing them itself.
/// </summary>
internal static unsafe class PlaneMoments
{
    /// <summary>Whether batch normalization over [n, channels, spatial] takes its statistics plane by plane: each plane is
    /// one block of the statistics, and there are several images to merge.</summary>
    public static bool Apply(int n, int spatial) => spatial <= BatchNormBlocks.Length && n > 1;

    /// <summary>dst[2 * i], dst[2 * i + 1] = the moments of plane i of the <paramref name="planes"/> planes at x.</summary>
    public static void Write(float* x, int planes, int spatial, double* dst)
    {
        for (int i = 0; i < planes; i++)
        {
            var (mean, m2) = CpuKernels.UsesVector512
                ? BatchNormLoops<Vector512<float>, Simd512>.BlockMoments(x + (long)i * spatial, spatial)
                : BatchNormLoops<Vector256<float>, Simd256>.BlockMoments(x + (long)i * spatial, spatial);
            dst[2 * i] = mean;
            dst[2 * i + 1] = m2;
        }
    }
}
