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
/// Packed and cache-blocked (BLIS-style KC/MC/NC blocking) with an FMA register micro-kernel;
/// multi-threaded over blocks of C. K is never split across threads and the blocking does not depend
/// on the thread count, so results are bitwise identical for any degree of parallelism.
/// </summary>
public static unsafe class Sgemm
{
    /// <summary>Depth of a packed block (k extent): a kernel's A micro-panel stays in L1.</summary>
    private const int KC = 256;
    /// <summary>Target rows of a packed A block.</summary>
    private const int MCTarget = 192;
    /// <summary>Target columns of a packed B block (KC x NC floats stays in L2).</summary>
    private const int NCTarget = 512;
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
            int threads = (long)m * n * k < ParallelThreshold ? 1 : CpuParallel.Resolve(degreeOfParallelism);
            var args = new GemmArgs(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            switch (kernel == SgemmKernel.Auto ? BestKernel : kernel)
            {
                case SgemmKernel.Vector512:
                    RequireAccelerated(Vector512.IsHardwareAccelerated, kernel);
                    Run<Vector512Kernel>(args, threads);
                    break;
                case SgemmKernel.Vector256:
                    RequireAccelerated(Vector256.IsHardwareAccelerated, kernel);
                    Run<Vector256Kernel>(args, threads);
                    break;
                default:
                    Run<ScalarKernel>(args, threads);
                    break;
            }
        }
    }

    private static void RequireAccelerated(bool accelerated, SgemmKernel kernel)
    {
        if (!accelerated)
            throw new PlatformNotSupportedException($"The {kernel} GEMM kernel is not hardware accelerated here.");
    }

    private static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException("ld" + name, ld, $"Leading dimension of {name} must be at least {Math.Max(1, cols)}.");
        if (rows > 0 && cols > 0 && length < (long)(rows - 1) * ld + cols)
            throw new ArgumentException($"Matrix {name} ({rows} x {cols}, ld {ld}) needs {(long)(rows - 1) * ld + cols} elements, got {length}.", name);
    }

    private static void ScaleC(float* c, int m, int n, int ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (nint)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= beta;
        }
    }

    private readonly struct GemmArgs(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        public readonly bool TransA = transA, TransB = transB;
        public readonly int M = m, N = n, K = k;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly float* A = a, B = b, C = c;
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
        float* bufA = ThreadScratch.Get(ScratchSlot.GemmPackA, (long)mcMax * kcMax);
        float* bufB = ThreadScratch.Get(ScratchSlot.GemmPackB, (long)ncMax * kcMax);
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < g.K; pc += KC)
            {
                int kc = Math.Min(KC, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                SgemmPacking.PackB(g.TransB, g.B, g.Ldb, pc, kc, jc, nc, TK.NR, bufB);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    SgemmPacking.PackA(g.TransA, g.A, g.Lda, ic, mc, pc, kc, TK.MR, bufA);
                    Macro<TK>(mc, nc, kc, bufA, bufB, g.C + ic * g.Ldc + jc, g.Ldc, g.Alpha, beta);
                }
            }
        }
    }

    private static void Macro<TK>(int mc, int nc, int kc, float* bufA, float* bufB, float* c, nint ldc,
        float alpha, float beta) where TK : struct, IGemmMicroKernel
    {
        int mr = TK.MR, nr = TK.NR;
        float* tile = stackalloc float[mr * nr];
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* pa = bufA + (nint)ir * kc;
            float* cRow = c + ir * ldc;
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* pb = bufB + (nint)jr * kc;
                if (rows == mr && cols == nr)
                {
                    TK.Run(kc, pa, pb, cRow + jr, ldc, alpha, beta);
                    continue;
                }
                TK.Run(kc, pa, pb, tile, nr, 1f, 0f);
                for (int i = 0; i < rows; i++)
                {
                    float* dst = cRow + i * ldc + jr;
                    float* src = tile + i * nr;
                    for (int j = 0; j < cols; j++) dst[j] = MicroKernelMath.Merge(src[j], alpha, beta, dst[j]);
                }
            }
        }
    }
}
