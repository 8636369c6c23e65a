using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Which scratch buffer of <see cref="KernelScratch"/> a primitive uses; distinct slots may be live together.</summary>
internal enum KernelScratchSlot
{
    /// <summary>A convolution gradient computed apart, then added to the one being accumulated.</summary>
    ConvGradient,
    /// <summary>Batch normalization's per-channel coefficients between its statistics and element-wise sweeps.</summary>
    BatchNormCoefficients,
    /// <summary>Batch normalization's per-plane partial statistics, merged per channel afterwards.</summary>
    BatchNormPlaneSums,
}

/// <summary>
/// Grow-only, pinned float buffers owned by one backend instance, reused from call to call so that steady
/// training steps allocate nothing; contents are undefined when handed out. Calls on one backend run one
/// at a time, so a slot is never shared between two calls.
/// </summary>
internal sealed unsafe class KernelScratch
{
    private const int AlignFloats = 16;
    private readonly float[]?[] _slots = new float[Enum.GetValues<KernelScratchSlot>().Length][];

    public float* Get(KernelScratchSlot slot, long length)
    {
        ref var buffer = ref _slots[(int)slot];
        if (buffer is null || buffer.LongLength < length + AlignFloats)
            buffer = GC.AllocateUninitializedArray<float>(checked((int)(length + AlignFloats)), pinned: true);
        // From the first 64-byte boundary, as CpuBuffer does (vectors within cache lines).
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nuint)63);
    }

    /// <summary>Lets the buffers go (the backend is disposed).</summary>
    public void Clear() => Array.Clear(_slots);
}
