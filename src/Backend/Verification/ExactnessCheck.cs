using Spp.Backend.Runtime;
using Spp.Graph;

namespace Spp.Backend.Verification;

/// <summary>Result of comparing the pruned model with the masked original in ONNX Runtime.</summary>
public sealed record ExactnessReport(double MaxAbsDiff, double MaxAbsOutput, double RelativeDiff, IReadOnlyList<long> Batches, double Tolerance)
{
    public bool Passed => RelativeDiff <= Tolerance && !double.IsNaN(RelativeDiff);
}

/// <summary>
/// DESIGN.md "Exactness": the rewritten model must give the masked original's outputs. Both run in
/// ONNX Runtime (graph optimizations off, so its fusions do not blur the comparison) on the same
/// random inputs at several batch sizes; the largest absolute difference is reported relative to the
/// largest output magnitude.
/// </summary>
public static class ExactnessCheck
{
    public const double DefaultTolerance = 1e-4;

    public static ExactnessReport Run(Model maskedOriginal, Model pruned, IReadOnlyList<long>? batches = null, int seed = 12345, double tolerance = DefaultTolerance)
    {
        batches ??= [1, 8];
        using var a = OrtModel.Load(maskedOriginal, OrtSettings.Reference);
        using var b = OrtModel.Load(pruned, OrtSettings.Reference);
        double maxDiff = 0, maxOut = 0;
        foreach (long batch in batches)
        {
            var inputs = RandomInputs.For(maskedOriginal.Graph, batch, seed + (int)batch);
            var ya = a.Run(inputs);
            var yb = b.Run(inputs);
            for (int i = 0; i < ya.Count; i++)
            {
                if (!ya[i].Dims.SequenceEqual(yb[i].Dims))
                    return new ExactnessReport(double.PositiveInfinity, 0, double.PositiveInfinity, batches, tolerance);
                if (!ya[i].ElementType.IsFloatingPoint()) continue;
                var va = ya[i].ToDoubles();
                var vb = yb[i].ToDoubles();
                for (int k = 0; k < va.Length; k++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(va[k] - vb[k]));
                    maxOut = Math.Max(maxOut, Math.Abs(va[k]));
                    if (double.IsNaN(va[k]) != double.IsNaN(vb[k])) maxDiff = double.NaN;
                }
            }
        }
        double rel = maxDiff / Math.Max(maxOut, 1e-12);
        return new ExactnessReport(maxDiff, maxOut, rel, batches, tolerance);
    }
}
