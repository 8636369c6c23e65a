using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>A host float array owned by <see cref="ReferenceKernels"/>.</summary>
public sealed class ReferenceBuffer : IBuffer
{
    public ReferenceBuffer(long length)
    {
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), $"the reference backend holds at most {Array.MaxLength} floats per buffer");
        Data = new float[length];
    }

    public float[] Data { get; }
    public long Length => Data.LongLength;

    // Managed memory: nothing to release.
    public void Dispose() { }
}
