using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>The tiled, register-blocked GEMM on ILGPU's CPU accelerator (groups of 4 x 4 threads,
/// 16 x 16 blocks) against the reference: one partial block and several ragged ones, every transpose, leading dimensions wider than the
/// matrix, offsets, batch strides (0 reuses A), alpha/beta, and beta = 0 ignoring a NaN-filled C.</summary>
[Collection(IlgpuCollection.Name)]
public class GemmTests(IlgpuFixture f) : BackendComparison(f)
{
    [Theory]
    [InlineData(false, false, 7, 9, 13)]
    [InlineData(true, false, 7, 9, 13)]
    [InlineData(false, true, 7, 9, 13)]
    [InlineData(true, true, 7, 9, 13)]
    [InlineData(false, false, 21, 35, 10)]
    [InlineData(true, false, 35, 21, 6)]
    [InlineData(false, true, 17, 33, 5)]
    [InlineData(true, true, 33, 17, 9)]
    public void TransposesAndRaggedTiles(bool transA, bool transB, int m, int n, int k)
    {
        const int pad = 3;
        // Stored shapes: A is [m, k] or [k, m], B is [k, n] or [n, k], each row padded by `pad`.
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + 1;
        var a = Random(2 + (transA ? k : m) * lda, 1);
        var b = Random(5 + (transB ? n : k) * ldb, 2);
        var c = Random(4 + m * ldc, 3);
        var d = new GemmDesc(transA, transB, m, n, k, 0.5f, -2f, 2, lda, 0, 5, ldb, 0, 4, ldc, 0);
        G.Gemm(d, a.Gpu, b.Gpu, c.Gpu);
        R.Gemm(d, a.Reference, b.Reference, c.Reference);
        AssertClose(c);
    }

    [Fact]
    public void BatchedWithSharedA()
    {
        const int m = 5, n = 6, k = 10, batch = 3;
        var a = Random(m * k, 4);
        var b = Random(batch * k * n, 5);
        var c = Random(batch * m * n, 6);
        var d = new GemmDesc(false, false, m, n, k, 1f, 1f, 0, k, 0, 0, n, k * n, 0, n, m * n, batch);
        G.Gemm(d, a.Gpu, b.Gpu, c.Gpu);
        R.Gemm(d, a.Reference, b.Reference, c.Reference);
        AssertClose(c);
    }

    [Fact]
    public void BetaZeroDoesNotReadC()
    {
        const int m = 4, n = 4, k = 8;
        var a = Random(m * k, 7);
        var b = Random(k * n, 8);
        var c = Of(Enumerable.Repeat(float.NaN, m * n).ToArray());
        var d = new GemmDesc(false, false, m, n, k, 1f, 0f, 0, k, 0, 0, n, 0, 0, n, 0);
        G.Gemm(d, a.Gpu, b.Gpu, c.Gpu);
        R.Gemm(d, a.Reference, b.Reference, c.Reference);
        AssertClose(c);
    }
}
