using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Which scratch buffer of <see cref="KernelScratch"/> a primitive uses; distinct slots may be live together.</summary>
internal enum KernelScratchSlot
{
    /// <summary>A convolution gradient computed apart, then added to the one being accumulated.</summary>
    ConvGradient,
}

/// <summary>
/// Grow-only, pinned float buffers owned by one backend instance, reused from call to call so that steady
/// training steps allocate nothing; contents are undefined when handed out. Calls on one backend run one
/// at a time, so a slot is never shared between two calls.
/// </summary>
internal sealed unsafe class KernelScratch
{
    private readonly float[]?[] _slots = new float[Enum.GetValues<KernelScratchSlot>().Length][];

    public float* Get(KernelScratchSlot slot, long length)
    {
        ref var buffer = ref _slots[(int)slot];
        if (buffer is null || buffer.LongLength < length)
            buffer = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(length, 16)), pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }

    /// <summary>Lets the buffers go (the backend is disposed).</summary>
    public void Clear() => Array.Clear(_slots);
}
