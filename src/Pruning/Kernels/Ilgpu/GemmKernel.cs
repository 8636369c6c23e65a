using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Batched GEMM tiled through shared memory: each group computes a T x T tile of C
/// (T = the group's width), staging T x T tiles of op(A) and op(B) in dynamic shared memory so each
/// value read from global memory is used T times. T is chosen at launch from the accelerator's
/// group size limit (16 under CUDA, 4 on ILGPU's CPU accelerator).</summary>
public static class GemmKernel
{
    public static void Tiled(GemmArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        var t = Group.DimX;
        var tiles = SharedMemory.GetDynamic<float>();
        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var col = Grid.IdxX * t + tx;
        var row = Grid.IdxY * t + ty;
        long batch = Grid.IdxZ;
        var aBase = p.OffsetA + batch * p.StrideA;
        var bBase = p.OffsetB + batch * p.StrideB;
        var bTile = t * t;
        var sum = 0f;
        for (var k0 = 0; k0 < p.K; k0 += t)
        {
            var ka = k0 + tx;
            tiles[ty * t + tx] = row < p.M && ka < p.K
                ? a[aBase + (p.TransA != 0 ? (long)ka * p.Lda + row : (long)row * p.Lda + ka)]
                : 0f;
            var kb = k0 + ty;
            tiles[bTile + ty * t + tx] = kb < p.K && col < p.N
                ? b[bBase + (p.TransB != 0 ? (long)col * p.Ldb + kb : (long)kb * p.Ldb + col)]
                : 0f;
            Group.Barrier();
            for (var k = 0; k < t; k++) sum += tiles[ty * t + k] * tiles[bTile + k * t + tx];
            Group.Barrier();
        }
        if (row >= p.M || col >= p.N) return;
        var at = p.OffsetC + batch * p.StrideC + (long)row * p.Ldc + col;
        // Beta = 0 does not read C (BLAS convention): C may hold garbage or NaN.
        c[at] = p.Beta == 0f ? p.Alpha * sum : p.Alpha * sum + p.Beta * c[at];
    }
}

/// <summary><see cref="GemmDesc"/> as an unmanaged kernel argument.</summary>
public struct GemmArgs
{
    public int TransA, TransB, M, N, K;
    public float Alpha, Beta;
    public long OffsetA, StrideA, OffsetB, StrideB, OffsetC, StrideC;
    public int Lda, Ldb, Ldc;

    public static GemmArgs From(in GemmDesc d) => new()
    {
        TransA = d.TransA ? 1 : 0, TransB = d.TransB ? 1 : 0, M = d.M, N = d.N, K = d.K,
        Alpha = d.Alpha, Beta = d.Beta,
        OffsetA = d.OffsetA, StrideA = d.StrideA, Lda = d.Lda,
        OffsetB = d.OffsetB, StrideB = d.StrideB, Ldb = d.Ldb,
        OffsetC = d.OffsetC, StrideC = d.StrideC, Ldc = d.Ldc,
    };
}
