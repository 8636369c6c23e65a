using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Which per-thread scratch buffer a kernel uses; kernels that nest (conv calling GEMM) use distinct slots.</summary>
internal enum ScratchSlot
{
    GemmPackA = 0,
    GemmPackB = 1,
    GemmRows = 2,
    GemmRowsC = 3,
    ConvPlanes = 4,
    ConvExtended = 5,
    ConvColumns = 6,
    ConvRows = 7,
    ConvWideInput = 8,
    ConvWideOutput = 9,
}

/// <summary>
/// Per-thread, 64-byte aligned, pinned float buffers that grow on demand and are reused across calls,
/// so steady-state kernels allocate nothing. Contents are undefined on return.
/// </summary>
internal static unsafe class ThreadScratch
{
    private const int SlotCount = 10;
    private const int AlignFloats = 16; // 64 bytes

    [ThreadStatic] private static float[]?[]? t_slots;

    public static float* Get(ScratchSlot slot, long length)
    {
        var slots = t_slots ??= new float[SlotCount][];
        var buffer = slots[(int)slot];
        if (buffer is null || buffer.LongLength < length + AlignFloats)
        {
            long grown = Math.Max(length + AlignFloats, buffer is null ? 0 : buffer.LongLength * 3 / 2);
            buffer = GC.AllocateUninitializedArray<float>(checked((int)grown), pinned: true);
            slots[(int)slot] = buffer;
        }
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        nuint aligned = (address + 63) & ~(nuint)63;
        return (float*)aligned;
    }
}
