using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>A float array owned by <see cref="CpuKernels"/>, allocated pinned so kernels take its address
/// once per call without fixing it.</summary>
public sealed unsafe class CpuBuffer : IBuffer
{
    internal CpuBuffer(long length)
    {
        if (length < 0 || length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"the CPU backend holds 0 to {Array.MaxLength} floats per buffer");
        Data = GC.AllocateArray<float>((int)length, pinned: true);
    }

    public float[] Data { get; }
    public long Length => Data.LongLength;

    internal float* Pointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data));

    // Managed memory: nothing to release.
    public void Dispose() { }
}
