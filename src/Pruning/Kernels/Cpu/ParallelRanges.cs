namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Splits a flat element range into contiguous pieces, one per thread, for kernels whose elements are
/// independent (each result depends on its own inputs only, so the split never changes a result).
/// </summary>
internal static class ParallelRanges
{
    /// <summary>Element ranges split at multiples of 16 floats (64 bytes): no two threads write one cache line.</summary>
    public const long ElementAlign = 16;

    /// <summary>Runs body(start, end) over [0, count) in at most <paramref name="degree"/> pieces of at
    /// least <paramref name="grain"/> elements (one piece, on the calling thread, when count is small), split
    /// at multiples of <paramref name="align"/> (1 for work items that write whole cache lines anyway).</summary>
    public static void For(long count, int degree, long grain, Action<long, long> body, long align = ElementAlign)
    {
        if (count <= 0) return;
        int pieces = (int)Math.Clamp(count / Math.Max(grain, 1), 1, degree);
        if (pieces == 1)
        {
            body(0, count);
            return;
        }
        CpuParallel.For(pieces, pieces, i => body(Boundary(count, pieces, i, align), Boundary(count, pieces, i + 1, align)));
    }

    private static long Boundary(long count, int pieces, int i, long align) =>
        i == pieces ? count : Math.Min(count, count * i / pieces / align * align);
}
