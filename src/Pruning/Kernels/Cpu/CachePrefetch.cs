using System.Runtime.Intrinsics.X86;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Software prefetch into L2 of the next image's input (and of the current image's output) while an image computes.
/// Inside a training step a layer's tensors come from memory (a step touches far more than the L3): `bench -- gemm
/// --cold` measured small-map layers 12-18% slower than with warm caches. Issued in slices, one per output row, so
/// that a few dozen lines are in flight at a time. Used by the row tiles' forward (32->32 14x14 cold: 2.50 -> 2.31-2.35
/// ms over four runs) and weight gradient (the thread's next images, one slice per tile; cold, best of three:
/// 16->16 28x28 2.51 -> 2.47 ms, 32->32 14x14 2.32 -> 2.22, 64->64 7x7 2.17 -> 2.08); around the planes' GEMM (16->16
/// 28x28, in column chunks, and all at once before each image) it measured no gain and is not used.
/// </summary>
internal static unsafe class CachePrefetch
{
    private const int LineFloats = 16;

    /// <summary>Prefetches slice <paramref name="part"/> of <paramref name="parts"/> of [start, start + floats).</summary>
    public static void Slice(float* start, long floats, int part, int parts)
    {
        if (start == null || !Sse.IsSupported) return;
        long lines = (floats + LineFloats - 1) / LineFloats;
        long from = lines * part / parts, to = lines * (part + 1) / parts;
        for (long line = from; line < to; line++) Sse.Prefetch1(start + line * LineFloats);
    }
}
