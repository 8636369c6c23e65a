namespace Spp.Pruning.Engine;

/// <summary>A float32 buffer owned by one <see cref="IKernels"/> backend (host memory for the CPU
/// backend, device memory for ILGPU). Only its backend reads or writes it.</summary>
public interface IBuffer : IDisposable
{
    long Length { get; }
}
