using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>
/// Batched GEMM, tiled through shared memory and register-blocked. A group of T x T threads computes
/// a 4T x 4T block of C, each thread a 4 x 4 micro-tile (rows ty + iT, columns tx + jT, so that
/// neighbouring threads read neighbouring shared-memory words and write neighbouring C elements).
/// Per step of T along K the group stages a 4T x T tile of op(A) and a T x 4T tile of op(B) in
/// dynamic shared memory, each thread then doing 16 multiply-adds per 8 shared reads. T is chosen at
/// launch from the accelerator's group size limit: 16 under CUDA (64 x 64 blocks), 4 on ILGPU's CPU
/// accelerator (16 threads per group).
/// </summary>
public static class GemmKernel
{
    public static void Tiled(GemmArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        var t = Group.DimX;
        var block = 4 * t;
        var shared = SharedMemory.GetDynamic<float>();
        var bTile = block * t;
        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var row0 = Grid.IdxY * block;
        var col0 = Grid.IdxX * block;
        long batch = Grid.IdxZ;
        var aBase = p.OffsetA + batch * p.StrideA;
        var bBase = p.OffsetB + batch * p.StrideB;
        var acc = new MicroTile();
        for (var k0 = 0; k0 < p.K; k0 += t)
        {
            // Each thread stages 4 elements of each tile. The thread-to-element mapping follows the
            // operand's memory order, so that neighbouring threads load neighbouring addresses.
            for (var i = 0; i < 4; i++)
            {
                int r, k;
                if (p.TransA != 0) { r = tx + i * t; k = ty; } else { r = ty + i * t; k = tx; }
                var gr = row0 + r;
                var gk = k0 + k;
                shared[r * t + k] = gr < p.M && gk < p.K
                    ? a[aBase + (p.TransA != 0 ? (long)gk * p.Lda + gr : (long)gr * p.Lda + gk)]
                    : 0f;
            }
            for (var j = 0; j < 4; j++)
            {
                int k, col;
                if (p.TransB != 0) { k = tx; col = ty + j * t; } else { k = ty; col = tx + j * t; }
                var gk = k0 + k;
                var gc = col0 + col;
                shared[bTile + k * block + col] = gk < p.K && gc < p.N
                    ? b[bBase + (p.TransB != 0 ? (long)gc * p.Ldb + gk : (long)gk * p.Ldb + gc)]
                    : 0f;
            }
            Group.Barrier();
            for (var k = 0; k < t; k++)
            {
                var bRow = bTile + k * block + tx;
                acc.Add(
                    shared[ty * t + k], shared[(ty + t) * t + k], shared[(ty + 2 * t) * t + k], shared[(ty + 3 * t) * t + k],
                    shared[bRow], shared[bRow + t], shared[bRow + 2 * t], shared[bRow + 3 * t]);
            }
            Group.Barrier();
        }
        acc.Store(p, c, p.OffsetC + batch * p.StrideC, row0 + ty, col0 + tx, t);
    }
}

/// <summary>A thread's 4 x 4 accumulators as named fields, so that they live in registers (an
/// indexed local array could be placed in slow local memory).</summary>
public struct MicroTile
{
    float c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;

    /// <summary>Adds the outer product of a column of op(A) and a row of op(B).</summary>
    public void Add(float a0, float a1, float a2, float a3, float b0, float b1, float b2, float b3)
    {
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    }

    /// <summary>Writes element (i, j) of the micro-tile to C[row + i step, col + j step].</summary>
    public readonly void Store(in GemmArgs p, ArrayView<float> c, long cBase, int row, int col, int step)
    {
        Row(p, c, cBase, row, col, step, c00, c01, c02, c03);
        Row(p, c, cBase, row + step, col, step, c10, c11, c12, c13);
        Row(p, c, cBase, row + 2 * step, col, step, c20, c21, c22, c23);
        Row(p, c, cBase, row + 3 * step, col, step, c30, c31, c32, c33);
    }

    static void Row(in GemmArgs p, ArrayView<float> c, long cBase, int row, int col, int step, float v0, float v1, float v2, float v3)
    {
        if (row >= p.M) return;
        One(p, c, cBase, row, col, v0);
        One(p, c, cBase, row, col + step, v1);
        One(p, c, cBase, row, col + 2 * step, v2);
        One(p, c, cBase, row, col + 3 * step, v3);
    }

    static void One(in GemmArgs p, ArrayView<float> c, long cBase, int row, int col, float v)
    {
        if (col >= p.N) return;
        var at = cBase + (long)row * p.Ldc + col;
        // Beta = 0 does not read C (BLAS convention): C may hold garbage or NaN.
        c[at] = p.Beta == 0f ? p.Alpha * v : p.Alpha * v + p.Beta * c[at];
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
