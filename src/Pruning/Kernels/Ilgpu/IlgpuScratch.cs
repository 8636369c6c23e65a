using ILGPU;
using ILGPU.Runtime;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Grow-only device scratch buffers, one per purpose, so hot paths allocate nothing after
/// the first steps (device allocation is slow under CUDA and synchronises the device).</summary>
public sealed class IlgpuScratch(Accelerator accelerator) : IDisposable
{
    public enum Slot { Columns, Partials, Elementwise, Statistics, Freeze }

    readonly MemoryBuffer1D<float, Stride1D.Dense>?[] buffers = new MemoryBuffer1D<float, Stride1D.Dense>?[Enum.GetValues<Slot>().Length];

    /// <summary>A view of exactly <paramref name="length"/> elements of the slot's buffer (contents undefined).</summary>
    public ArrayView<float> Get(Slot slot, long length)
    {
        ref var buffer = ref buffers[(int)slot];
        if (buffer is null || buffer.Length < length)
        {
            // Kernels queued earlier may still read the old buffer.
            accelerator.Synchronize();
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<float>(Math.Max(length, (buffer?.Length ?? 0) * 3 / 2));
        }
        return buffer.View.SubView(0, length);
    }

    public void Dispose()
    {
        foreach (var b in buffers) b?.Dispose();
    }
}
