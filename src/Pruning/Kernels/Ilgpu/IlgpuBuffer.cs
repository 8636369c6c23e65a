using ILGPU;
using ILGPU.Runtime;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>A float buffer in an ILGPU accelerator's memory (device memory under CUDA).</summary>
public sealed class IlgpuBuffer(MemoryBuffer1D<float, Stride1D.Dense> memory, Accelerator owner) : IBuffer
{
    public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; } = memory;
    public Accelerator Owner { get; } = owner;
    public long Length => Memory.Length;
    public ArrayView<float> View => Memory.View;

    public void Dispose() => Memory.Dispose();
}
