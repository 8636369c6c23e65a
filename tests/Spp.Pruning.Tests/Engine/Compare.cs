namespace Spp.Pruning.Tests.Engine;

/// <summary>Float comparisons relative to the scale of the expected values.</summary>
public static class Compare
{
    /// <summary>Every |actual - expected| is within <paramref name="relative"/> times the largest
    /// |expected|, or times <paramref name="minScale"/> when that is larger (for tensors that are
    /// zero up to rounding).</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what, double minScale = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > worst) { worst = d; at = i; }
        }
        double limit = relative * Math.Max(scale, minScale);
        Assert.True(worst <= limit, $"{what}: element {at} is {(at >= 0 ? actual[at] : 0)}, expected {(at >= 0 ? expected[at] : 0)} (difference {worst:g3} > {limit:g3} = {relative:g2} of scale {scale:g3})");
    }

    /// <summary>The same bits on a deterministic backend; on ILGPU's CPU accelerator, whose reductions are ordered
    /// differently run to run, equal up to rounding (relative 1e-5).</summary>
    public static void Same(string backend, float[] expected, float[] actual, string what)
    {
        if (backend != "ilgpu-cpu") Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what} differs");
        else Close(expected, actual, 1e-5, what);
    }
}
