namespace Spp.Pruning.Tests.Kernels.Cpu;

internal static class TestData
{
    public static float[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Asserts |actual - expected| &lt;= tol * (largest |expected| + 1e-30), element by element.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= tol * scale))
                Assert.Fail($"{what}: element {i}: expected {expected[i]}, got {actual[i]} (scale {scale}, tol {tol})");
        }
    }
}
