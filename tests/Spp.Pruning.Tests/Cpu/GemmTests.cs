using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class GemmTests
{
    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Odd_sizes_with_offsets_leading_dimensions_and_beta(bool ta, bool tb)
    {
        foreach (var (m, n, k) in new[] { (7, 13, 19), (1, 1, 1), (70, 130, 300), (33, 5, 600) })
        {
            int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
            long la = (long)lda * (ta ? k : m), lb = (long)ldb * (tb ? n : k), lc = (long)ldc * m;
            using var p = new BackendPair();
            var a = p.Random(1, la + 5);
            var b = p.Random(2, lb + 4);
            var c = p.Random(3, lc + 3);
            var d = new GemmDesc(ta, tb, m, n, k, 0.75f, 0.5f, 5, lda, 0, 4, ldb, 0, 3, ldc, 0);
            p.Run((kk, x) => kk.Gemm(d, x(a), x(b), x(c)));
            p.Close(c, $"gemm {m}x{n}x{k} ta={ta} tb={tb}");
        }
    }

    [Fact]
    public void Batched_with_a_shared_operand_and_beta_zero_over_NaN()
    {
        const int m = 9, n = 11, k = 10, batch = 4;
        using var p = new BackendPair();
        var a = p.Random(4, m * k);
        var b = p.Random(5, batch * k * n);
        var c = p.Of(Enumerable.Repeat(float.NaN, batch * m * n).ToArray());
        var d = new GemmDesc(false, false, m, n, k, 1, 0, 0, k, 0, 0, n, k * n, 0, n, m * n, batch);
        p.Run((kk, x) => kk.Gemm(d, x(a), x(b), x(c)));
        p.Close(c, "batched gemm, A shared");
    }

    [Fact]
    public void Batched_into_one_C_accumulates_in_order()
    {
        const int m = 5, n = 6, k = 7, batch = 3;
        using var p = new BackendPair();
        var a = p.Random(6, batch * m * k);
        var b = p.Random(7, batch * k * n);
        var c = p.Random(8, m * n);
        var d = new GemmDesc(false, false, m, n, k, 1, 1, 0, k, m * k, 0, n, k * n, 0, n, 0, batch);
        p.Run((kk, x) => kk.Gemm(d, x(a), x(b), x(c)));
        p.Close(c, "batched gemm into a shared C");
    }
}
