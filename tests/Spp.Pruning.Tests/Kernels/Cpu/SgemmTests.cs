using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

public class SgemmTests
{
    /// <summary>Naive double-accumulating C = alpha op(A) op(B) + beta C (beta == 0 ignores C).</summary>
    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda,
        float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var r = new double[c.Length];
        for (int i = 0; i < c.Length; i++) r[i] = c[i];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                r[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]);
            }
        return r;
    }

    private static void Check(bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad,
        int threads = 0, SgemmKernel kernel = SgemmKernel.Auto)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = TestData.Random(1 + m, Math.Max(1, (ta ? k : m) * lda));
        var b = TestData.Random(2 + n, Math.Max(1, (tb ? n : k) * ldb));
        var c = beta == 0 ? Enumerable.Repeat(float.NaN, m * ldc).ToArray() : TestData.Random(3 + k, m * ldc);
        if (beta == 0)
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++) c[i * ldc + j] = 7f; // padding must survive
        var expected = Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Sgemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, kernel);
        // Tolerance relative to the output scale, which for sums of k products grows like sqrt(k).
        TestData.AssertClose(expected, c, 1e-5 * Math.Max(1, Math.Sqrt(k) / 4), $"{m}x{n}x{k} tA={ta} tB={tb} a={alpha} b={beta} pad={pad} {kernel}");
    }

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 7, 3 }, { 5, 1, 9 }, { 2, 3, 1 }, { 17, 33, 65 }, { 8, 48, 256 }, { 9, 49, 257 },
        { 64, 64, 64 }, { 300, 7, 40 }, { 7, 300, 40 }, { 3, 5, 700 }, { 130, 100, 520 }, { 16, 784, 144 },
        { 200, 530, 33 }, { 5, 70, 2100 }, { 70, 6, 1500 }, { 9, 1100, 20 }, { 40, 1030, 270 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AllTransposeCombinations(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                Check(ta, tb, m, n, k, 1f, 0f, 0);
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(0.5f, -2f)]
    [InlineData(-1.5f, 0f)]
    [InlineData(2f, 0.25f)]
    public void AlphaBetaAndLeadingDimensions(float alpha, float beta)
    {
        foreach (var (m, n, k) in new[] { (17, 33, 65), (50, 97, 300), (1, 1, 1) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    Check(ta, tb, m, n, k, alpha, beta, 0);
                    Check(ta, tb, m, n, k, alpha, beta, 5);
                }
    }

    [Fact]
    public void AlphaZeroAndKZeroOnlyScale()
    {
        var c = new[] { 1f, 2f, float.NaN, 4f };
        var a = new[] { float.NaN, 1f };
        Sgemm.Multiply(false, false, 2, 2, 1, 0f, a, 1, new[] { 1f, 1f }, 2, 0f, c, 2);
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, c);
        c = new[] { 1f, 2f, 3f, 4f };
        Sgemm.Multiply(false, false, 2, 2, 0, 1f, Array.Empty<float>(), 1, Array.Empty<float>(), 2, 3f, c, 2);
        Assert.Equal(new[] { 3f, 6f, 9f, 12f }, c);
    }

    [Theory]
    [InlineData(SgemmKernel.Vector256)]
    [InlineData(SgemmKernel.Scalar)]
    public void OtherKernels(SgemmKernel kernel)
    {
        if (kernel == SgemmKernel.Vector256 && !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) return;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (17, 33, 65), (13, 40, 300) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    Check(ta, tb, m, n, k, 0.5f, 0.5f, 3, 0, kernel);
    }

    [Fact]
    public void LargeMultiThreaded()
    {
        Check(false, false, 157, 201, 300, 1f, 0f, 0, threads: 2);
        Check(true, true, 100, 530, 270, 1f, 1f, 1, threads: 3);
    }

    [Fact]
    public void DeterministicAcrossRunsAndThreadCounts()
    {
        int m = 123, n = 517, k = 700;
        var a = TestData.Random(5, m * k);
        var b = TestData.Random(6, k * n);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        var c3 = new float[m * n];
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c1, n, 2);
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c2, n, 2);
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c3, n, 1);
        Assert.Equal(c1, c2);
        Assert.Equal(c1, c3);

        // The dot-product path (long k, a small side) too.
        m = 40;
        k = 3000;
        a = TestData.Random(7, m * k);
        b = TestData.Random(8, k * n);
        c1 = new float[m * n];
        c2 = new float[m * n];
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c1, n, 2);
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c2, n, 1);
        Assert.Equal(c1, c2);
    }

    [Fact]
    public void RejectsShortBuffersAndBadLeadingDimensions()
    {
        var x = new float[10];
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1f, x, 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 4, 1f, x, 3, x, 2, 0f, x, 2));
    }
}
