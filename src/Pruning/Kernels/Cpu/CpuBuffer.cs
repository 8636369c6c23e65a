using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// A zero-filled float buffer owned by <see cref="CpuKernels"/>: a pinned float array (kernels take its address
/// without fixing it), its elements starting at the first 64-byte boundary inside it, so that a vector at any
/// multiple of 16 elements lies in one cache line (512-bit loads that straddle two lines run at half speed).
/// </summary>
public sealed unsafe class CpuBuffer : IBuffer
{
    private const int AlignFloats = 16;
    private readonly float[] _array;
    private readonly int _start;

    internal CpuBuffer(long length)
    {
        if (length < 0 || length > Array.MaxLength - AlignFloats)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"the CPU backend holds 0 to {Array.MaxLength - AlignFloats} floats per buffer");
        Length = length;
        _array = GC.AllocateArray<float>((int)length + AlignFloats, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        _start = (int)((64 - address % 64) % 64 / sizeof(float));
    }

    public long Length { get; }

    /// <summary>The buffer's elements.</summary>
    public Span<float> Span => _array.AsSpan(_start, (int)Length);

    internal float* Pointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array)) + _start;

    // Managed memory: nothing to release.
    public void Dispose() { }
}
