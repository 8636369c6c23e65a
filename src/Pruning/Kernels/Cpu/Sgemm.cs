using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Which micro-kernel a GEMM runs; Auto picks the widest the hardware accelerates.</summary>
public enum SgemmKernel
{
    Auto,
    Vector512,
    Vector256,
    Scalar,
}

/// <summary>
/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op(A) is m x k, op(B) is
/// k x n, C is m x n. With transA, A is stored k x m (op(A) = A^T); likewise B. Leading dimensions are
/// row strides of the stored matrices. beta == 0 overwrites C without reading it (NaNs in C vanish).
/// Packed and cache-blocked (BLIS-style KC/MC/NC blocking, per-thread reusable pack buffers) with an
/// FMA register micro-kernel (8 x 48 or, for small n, 8 x 32 on Vector512, 6 x 16 on Vector256, 4 x 4 scalar). Two shapes take
/// other routes: with at most 32 rows of op(A) a non-transposed B is read in place (each element is
/// used too few times to repay packing), and A * B^T with a long k and a side of at most 64 runs as
/// register-tiled dot products (<see cref="SgemmInnerProduct"/>). Multi-threaded over blocks of C;
/// k is never split across threads and no blocking depends on the thread count, so results are
/// bitwise identical for any degree of parallelism.
/// </summary>
public static unsafe class Sgemm
{
    /// <summary>Depth of a packed block (k extent): a kernel's A micro-panel stays in L1.</summary>
    private const int KC = 256;
    /// <summary>Target rows of a packed A block (tuned on Zen 5: 96 x 256 x 1008 beat 192 x 256 x 512 by ~10%).</summary>
    private const int MCTarget = 96;
    /// <summary>Target columns of a packed B block (KC x NC floats, about the size of L2).</summary>
    private const int NCTarget = 1008;
    /// <summary>Up to this many rows of op(A), a non-transposed B is read in place instead of packed.</summary>
    private const int InPlaceBMaxRows = 32;
    /// <summary>Below this many multiply-adds a GEMM runs on the calling thread.</summary>
    private const long ParallelThreshold = 1L << 18;

    /// <summary>The kernel Auto resolves to on this machine.</summary>
    public static SgemmKernel BestKernel =>
        Vector512.IsHardwareAccelerated ? SgemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? SgemmKernel.Vector256
        : SgemmKernel.Scalar;

    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C. <paramref name="degreeOfParallelism"/> 0 uses
    /// <see cref="CpuParallel.DefaultDegreeOfParallelism"/>.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int degreeOfParallelism = 0, SgemmKernel kernel = SgemmKernel.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMatrix(nameof(a), a.Length, transA ? k : m, transA ? m : k, lda);
        CheckMatrix(nameof(b), b.Length, transB ? n : k, transB ? k : n, ldb);
        CheckMatrix(nameof(c), c.Length, m, n, ldc);
        if (m == 0 || n == 0) return;

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (k == 0 || alpha == 0f)
            {
                ScaleC(pc, m, n, ldc, beta);
                return;
            }
            var kind = Resolve(kernel);
            int threads = Threads(m, n, k, degreeOfParallelism);
            if (!transA && transB && PreferInnerProduct(m, n, k))
            {
                using var rows = new RowTable(n);
                for (int j = 0; j < n; j++) rows.Rows[j] = pb + (nint)j * ldb;
                SgemmInnerProduct.Run(m, n, k, alpha, pa, lda, rows.Rows, beta, pc, ldc, threads, kind);
                return;
            }
            if (!transB && m <= InPlaceBMaxRows)
            {
                // Few rows of A: each B element is used m times, too few to repay packing; read B in place.
                using var rows = new RowTable(k);
                for (int p = 0; p < k; p++) rows.Rows[p] = pb + (nint)p * ldb;
                Run(new GemmArgs(transA, m, n, k, alpha, pa, lda, null, null, 0, rows.Rows, beta, pc, ldc), threads, kind);
                return;
            }
            Run(new GemmArgs(transA, m, n, k, alpha, pa, lda, null, pb, ldb, null, beta, pc, ldc) { TransB = transB }, threads, kind);
        }
    }

    /// <summary>
    /// C = alpha * op(A) * B + beta * C with B given by rows, read in place: row p of B (n values) starts
    /// at bRows[p]. <paramref name="packedA"/>, when not null, is op(A) packed by <see cref="PackA"/>.
    /// With <paramref name="cRows"/>, row i of C is cRows[i] (c and ldc unused) and rows are updated one
    /// after another, so with one thread they may overlap (accumulating straight onto conv planes).
    /// No argument checks: for kernels that build B as views (convolution over padded planes).
    /// </summary>
    internal static void MultiplyRows(bool transA, int m, int n, int k, float alpha, float* a, nint lda, float* packedA,
        float** bRows, float beta, float* c, nint ldc, int degreeOfParallelism, float** cRows = null)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 && cRows == null) { ScaleC(c, m, n, ldc, beta); return; }
        Run(new GemmArgs(transA, m, n, k, alpha, a, lda, packedA, null, 0, bRows, beta, c, ldc) { CRows = cRows },
            cRows != null ? 1 : Threads(m, n, k, degreeOfParallelism), Resolve(SgemmKernel.Auto));
    }

    /// <summary>Floats <see cref="PackA"/> writes for an m x k op(A).</summary>
    internal static long PackedALength(int m, int k)
    {
        int mr = MicroKernelRows(Resolve(SgemmKernel.Auto));
        return (long)(m + mr - 1) / mr * mr * k;
    }

    /// <summary>
    /// Packs all of op(A) (m x k) once, for reuse across <see cref="MultiplyRows"/> calls: block pc (of
    /// depth kc) at dst + pc * mPadded, its row panels one after another as the blocked loop packs them.
    /// </summary>
    internal static void PackA(bool transA, int m, int k, float* a, nint lda, float* dst)
    {
        int mr = MicroKernelRows(Resolve(SgemmKernel.Auto));
        long mPadded = (long)(m + mr - 1) / mr * mr;
        for (int pc = 0; pc < k; pc += KC)
            SgemmPacking.PackA(transA, a, lda, 0, m, pc, Math.Min(KC, k - pc), mr, dst + pc * mPadded);
    }

    /// <summary>
    /// 32-column panels when they pad a small n less than 48-column ones (n = 56: 64 vs 96). Both
    /// kernels sum each element in the same order, so the choice never changes a result.
    /// </summary>
    private static bool NarrowPanels(int n) => n < 1024 && (n + 31) / 32 * 32 < (n + 47) / 48 * 48;

    /// <summary>
    /// n rounded up to whole column panels of the kernel that n would run (the rounded width runs the same
    /// kernel): a caller whose B rows and C rows may be read and written past n (junk columns) passes this
    /// instead, so no ragged last panel is packed and merged through scratch for every row panel.
    /// </summary>
    internal static int UnraggedColumns(int n)
    {
        int nr = Resolve(SgemmKernel.Auto) switch
        {
            SgemmKernel.Vector512 => NarrowPanels(n) ? 32 : 48,
            SgemmKernel.Vector256 => Vector256Kernel.NR,
            _ => ScalarKernel.NR,
        };
        return (n + nr - 1) / nr * nr;
    }

    private static int MicroKernelRows(SgemmKernel kind) => kind switch
    {
        SgemmKernel.Vector512 => Vector512Kernel<ThreeVectors>.MR,
        SgemmKernel.Vector256 => Vector256Kernel.MR,
        _ => ScalarKernel.MR,
    };

    /// <summary>
    /// C = alpha * sum over segments s of A_s * B_s^T + beta * C by dot products, for a long k (summed
    /// over segments) with small m or n: row i of A_s is aBases[s] + i * lda, row j of B_s (k values) is
    /// bRows[s * n + j]. No argument checks.
    /// </summary>
    internal static void MultiplyTransposedRowSegments(int m, int n, int k, int segments, float alpha, float** aBases, nint lda,
        float** bRows, float beta, float* c, nint ldc, int degreeOfParallelism)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || segments == 0) { ScaleC(c, m, n, ldc, beta); return; }
        int threads = Threads(m, n, checked(k * segments), degreeOfParallelism);
        SgemmInnerProduct.Run(m, n, k, segments, alpha, aBases, lda, bRows, beta, c, ldc, threads, Resolve(SgemmKernel.Auto));
    }

    /// <summary>A x B^T with a long k and a small side: packing B^T would cost as much as the multiply.</summary>
    private static bool PreferInnerProduct(int m, int n, int k) => k >= 256 && Math.Min(m, n) <= 64;

    private static int Threads(int m, int n, int k, int degreeOfParallelism) =>
        (long)m * n * k < ParallelThreshold ? 1 : CpuParallel.Resolve(degreeOfParallelism);

    private static SgemmKernel Resolve(SgemmKernel kernel)
    {
        var kind = kernel == SgemmKernel.Auto ? BestKernel : kernel;
        if (kind == SgemmKernel.Vector512 && !Vector512.IsHardwareAccelerated || kind == SgemmKernel.Vector256 && !Vector256.IsHardwareAccelerated)
            throw new PlatformNotSupportedException($"The {kind} GEMM kernel is not hardware accelerated here.");
        return kind;
    }

    private static void Run(in GemmArgs g, int threads, SgemmKernel kind)
    {
        switch (kind)
        {
            case SgemmKernel.Vector512 when NarrowPanels(g.N): Run<Vector512Kernel<TwoVectors>>(g, threads); break;
            case SgemmKernel.Vector512: Run<Vector512Kernel<ThreeVectors>>(g, threads); break;
            case SgemmKernel.Vector256: Run<Vector256Kernel>(g, threads); break;
            default: Run<ScalarKernel>(g, threads); break;
        }
    }

    /// <summary>A table of row pointers in native memory, freed on dispose.</summary>
    internal readonly struct RowTable : IDisposable
    {
        public readonly float** Rows;

        public RowTable(int count) =>
            Rows = (float**)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)Math.Max(1, count), (nuint)sizeof(float*));

        public void Dispose() => System.Runtime.InteropServices.NativeMemory.Free(Rows);
    }

    private static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException("ld" + name, ld, $"Leading dimension of {name} must be at least {Math.Max(1, cols)}.");
        if (rows > 0 && cols > 0 && length < (long)(rows - 1) * ld + cols)
            throw new ArgumentException($"Matrix {name} ({rows} x {cols}, ld {ld}) needs {(long)(rows - 1) * ld + cols} elements, got {length}.", name);
    }

    private static void ScaleC(float* c, int m, int n, nint ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= beta;
        }
    }

    /// <summary>
    /// One GEMM: op(A) from A (or PackedA when not null); B from the matrix B (op(B) per TransB, packed
    /// per block) or, when BRows is set, read in place from those rows (only the ragged last column panel
    /// is packed).
    /// </summary>
    private readonly struct GemmArgs(bool transA, int m, int n, int k, float alpha, float* a, nint lda, float* packedA,
        float* b, nint ldb, float** bRows, float beta, float* c, nint ldc)
    {
        public readonly bool TransA = transA;
        public bool TransB { get; init; }
        public readonly int M = m, N = n, K = k;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly float* A = a, PackedA = packedA, B = b, C = c;
        public readonly float** BRows = bRows;
        /// <summary>When set, row i of C is CRows[i] (C and Ldc unused).</summary>
        public float** CRows { get; init; }
        public readonly nint Lda = lda, Ldb = ldb, Ldc = ldc;
    }

    private static void Run<TK>(in GemmArgs g, int threads) where TK : struct, IGemmMicroKernel
    {
        int panelsM = (g.M + TK.MR - 1) / TK.MR;
        int panelsN = (g.N + TK.NR - 1) / TK.NR;
        threads = (int)Math.Min(threads, (long)panelsM * panelsN);
        if (threads <= 1)
        {
            Serial<TK>(g, 0, g.M, 0, g.N);
            return;
        }
        // Split C into tm x tn bands (whole micro-panels each), choosing the split that packs least:
        // every column band packs its rows of A, every row band packs its columns of B.
        int tm = 1, tn = threads;
        long best = long.MaxValue;
        for (int d = 1; d <= threads; d++)
        {
            if (threads % d != 0 || d > panelsM || threads / d > panelsN) continue;
            long cost = (long)(threads / d) * g.M + (long)d * g.N;
            if (cost < best) { best = cost; tm = d; tn = threads / d; }
        }
        if (best == long.MaxValue) { tm = Math.Min(threads, panelsM); tn = 1; }
        var args = g;
        CpuParallel.For(tm * tn, tm * tn, t =>
        {
            int bi = t / tn, bj = t % tn;
            int i0 = Math.Min(args.M, (int)((long)panelsM * bi / tm) * TK.MR);
            int i1 = Math.Min(args.M, (int)((long)panelsM * (bi + 1) / tm) * TK.MR);
            int j0 = Math.Min(args.N, (int)((long)panelsN * bj / tn) * TK.NR);
            int j1 = Math.Min(args.N, (int)((long)panelsN * (bj + 1) / tn) * TK.NR);
            Serial<TK>(args, i0, i1, j0, j1);
        });
    }

    /// <summary>The blocked algorithm on rows [i0, i1) and columns [j0, j1) of C.</summary>
    private static void Serial<TK>(in GemmArgs g, int i0, int i1, int j0, int j1) where TK : struct, IGemmMicroKernel
    {
        if (i0 >= i1 || j0 >= j1) return;
        int mcMax = (MCTarget + TK.MR - 1) / TK.MR * TK.MR;
        int ncMax = (NCTarget + TK.NR - 1) / TK.NR * TK.NR;
        int kcMax = Math.Min(KC, g.K);
        long mPadded = (long)(g.M + TK.MR - 1) / TK.MR * TK.MR;
        float* bufA = g.PackedA != null ? null : ThreadScratch.Get(ScratchSlot.GemmPackA, (long)mcMax * kcMax);
        float* bufB = ThreadScratch.Get(ScratchSlot.GemmPackB, (long)ncMax * kcMax);
        // Row pointers of a packed B block: row p of panel q is packed[p] + q * NR * kc.
        float** packed = (float**)ThreadScratch.Get(ScratchSlot.GemmRows, 2L * kcMax);
        for (int p = 0; p < kcMax; p++) packed[p] = bufB + (nint)p * TK.NR;
        bool inPlace = g.BRows != null;
        // Row pointers of C, indexable by absolute row i in [i0, i1).
        float** cRows = g.CRows;
        if (cRows == null)
        {
            cRows = (float**)ThreadScratch.Get(ScratchSlot.GemmRowsC, 2L * (i1 - i0)) - i0;
            for (int i = i0; i < i1; i++) cRows[i] = g.C + i * g.Ldc;
        }
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            // In place, whole panels are read from B's rows; a ragged last panel is packed zero-padded.
            int ncFull = inPlace ? nc - nc % TK.NR : 0;
            for (int pc = 0; pc < g.K; pc += KC)
            {
                int kc = Math.Min(KC, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                if (ncFull < nc)
                    SgemmPacking.PackB(g.TransB, g.B, g.Ldb, g.BRows, pc, kc, jc + ncFull, nc - ncFull, TK.NR, bufB);
                var bSource = new BlockB(inPlace ? g.BRows + pc : null, jc, ncFull, packed, kc);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    float* blockA;
                    if (g.PackedA != null) blockA = g.PackedA + pc * mPadded + (long)ic * kc;
                    else
                    {
                        SgemmPacking.PackA(g.TransA, g.A, g.Lda, ic, mc, pc, kc, TK.MR, bufA);
                        blockA = bufA;
                    }
                    Macro<TK>(mc, nc, kc, blockA, bSource, cRows + ic, jc, g.Alpha, beta);
                }
            }
        }
    }

    /// <summary>Where panel jr of a B block is: in place (rows + jc + jr) before ncFull, packed after.</summary>
    private readonly struct BlockB(float** rows, int jc, int ncFull, float** packed, int kc)
    {
        public void Panel(int jr, out float** table, out nint offset)
        {
            if (jr < ncFull)
            {
                table = rows;
                offset = jc + jr;
            }
            else
            {
                table = packed;
                offset = (nint)(jr - ncFull) * kc;
            }
        }
    }

    /// <summary>
    /// One packed block: each A micro-panel (MR x kc, L1-resident) runs across all B panels of the block
    /// (kc x nc, streamed from L2).
    /// </summary>
    private static void Macro<TK>(int mc, int nc, int kc, float* bufA, in BlockB b, float** cRows, nint jc,
        float alpha, float beta) where TK : struct, IGemmMicroKernel
    {
        int mr = TK.MR, nr = TK.NR;
        float* tile = stackalloc float[mr * nr];
        float** tileRows = stackalloc float*[mr];
        for (int r = 0; r < mr; r++) tileRows[r] = tile + r * nr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* pa = bufA + (nint)ir * kc;
            for (int jr = 0; jr < nc; jr += nr)
            {
                b.Panel(jr, out float** pb, out nint off);
                int cols = Math.Min(nr, nc - jr);
                if (rows == mr && cols == nr)
                {
                    TK.Run(kc, pa, pb, off, cRows + ir, jc + jr, alpha, beta);
                    continue;
                }
                // A ragged tile goes through scratch and is merged row by row.
                TK.Run(kc, pa, pb, off, tileRows, 0, 1f, 0f);
                for (int i = 0; i < rows; i++) VectorOps.Merge(cRows[ir + i] + jc + jr, tile + i * nr, cols, alpha, beta);
            }
        }
    }
}
