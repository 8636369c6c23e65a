using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The CPU training backend: SIMD (Vector512 where the hardware has it, else Vector256), multi-threaded
/// managed kernels over pinned float arrays. GEMM and convolution run on <see cref="Sgemm"/> and
/// <see cref="Conv2d"/>; the other primitives are written here, one file per family.
///
/// Deterministic: no floating-point atomics, and every sum has a fixed order that does not depend on
/// how work is split between threads, so results repeat exactly for a given thread count (and, except
/// for convolution weight gradients, which Conv2d sums per image chunk, for any thread count).
/// Steady-state calls allocate no buffers: scratch is kept per instance and reused. Calls complete
/// before they return; an instance serves one caller at a time.
/// </summary>
public sealed unsafe partial class CpuKernels : IKernels
{
    /// <summary>Elements below which an element-wise primitive stays on the calling thread.</summary>
    private const long ElementGrain = 1 << 15;

    private readonly KernelScratch _scratch = new();

    /// <param name="degreeOfParallelism">Threads per call; 0 uses <see cref="CpuParallel.DefaultDegreeOfParallelism"/> (the core count).</param>
    public CpuKernels(int degreeOfParallelism = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(degreeOfParallelism);
        DegreeOfParallelism = CpuParallel.Resolve(degreeOfParallelism);
    }

    public int DegreeOfParallelism { get; }

    public bool TakesPlaneMoments => true;

    public string Name => $"cpu ({(UsesVector512 ? "Vector512" : "Vector256")}, {DegreeOfParallelism} threads)";

    /// <summary>Kernels run on 512-bit vectors; otherwise on 256-bit ones (in software where the hardware lacks them).</summary>
    internal static bool UsesVector512 => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    public IBuffer Allocate(long length) => new CpuBuffer(length);

    public void Upload(ReadOnlySpan<float> source, IBuffer destination, long offset = 0) =>
        source.CopyTo(B(destination).Span[checked((int)offset)..]);

    public void Download(IBuffer source, Span<float> destination, long offset = 0) =>
        B(source).Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);

    public void Fill(IBuffer destination, float value, long offset, long count) =>
        B(destination).Span.Slice(checked((int)offset), checked((int)count)).Fill(value);

    // Every call completes before it returns.
    public void Synchronize() { }

    public void Dispose() => _scratch.Clear();

    internal static CpuBuffer B(IBuffer b) => b as CpuBuffer
        ?? throw new ArgumentException($"buffer of another backend ({b.GetType().Name}) given to the CPU backend");

    private static float* P(IBuffer b) => B(b).Pointer;

    private static float* P(IBuffer? b, long minimum) => b is null ? null : Checked(b, minimum);

    /// <summary>The buffer's address after checking it holds at least <paramref name="minimum"/> floats
    /// (kernels index through raw pointers, so a short buffer must fail here, not corrupt memory).</summary>
    private static float* Checked(IBuffer b, long minimum)
    {
        var buffer = B(b);
        if (buffer.Length < minimum)
            throw new ArgumentException($"CPU backend: buffer of {buffer.Length} floats where {minimum} are needed");
        return buffer.Pointer;
    }

    /// <summary>Runs body(start, end) over [0, count) split between the threads.</summary>
    private void ForRange(long count, Action<long, long> body, long grain = ElementGrain) =>
        ParallelRanges.For(count, DegreeOfParallelism, grain, body);

    public void Gemm(in GemmDesc d, IBuffer a, IBuffer b, IBuffer c)
    {
        var g = d;
        nint pa = (nint)P(a), pb = (nint)P(b), pc = (nint)P(c);
        long la = B(a).Length, lb = B(b).Length, lc = B(c).Length;
        // Independent problems (C blocks apart) run side by side, each on one thread, when one alone would not
        // fill the threads; Sgemm gives the same bits on any thread count, so this split changes no result.
        long cExtent = (long)(g.M - 1) * g.Ldc + g.N;
        bool sideBySide = g.Batch > 1 && Math.Abs(g.StrideC) >= cExtent && (long)g.M * g.N * g.K < 1L << 22;
        int inner = sideBySide ? 1 : DegreeOfParallelism;
        CpuParallel.For(g.Batch, sideBySide ? DegreeOfParallelism : 1, p =>
            Sgemm.Multiply(g.TransA, g.TransB, g.M, g.N, g.K, g.Alpha,
                Tail(pa, la, g.OffsetA + p * g.StrideA), g.Lda, Tail(pb, lb, g.OffsetB + p * g.StrideB), g.Ldb,
                g.Beta, Tail(pc, lc, g.OffsetC + p * g.StrideC), g.Ldc, inner));
    }

    /// <summary>The floats of a buffer (at <paramref name="start"/>, <paramref name="length"/> long) from an offset on.</summary>
    private static Span<float> Tail(nint start, long length, long offset) =>
        offset >= 0 && offset <= length ? new((float*)start + offset, checked((int)(length - offset)))
        : throw new ArgumentException($"GEMM operand offset {offset} outside a buffer of {length}");
}
