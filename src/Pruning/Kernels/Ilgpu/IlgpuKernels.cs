using ILGPU;
using ILGPU.Runtime;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>
/// The ILGPU backend: every primitive is an ILGPU kernel, so the same code runs on CUDA GPUs and, in
/// tests on machines without one, on ILGPU's CPU accelerator (slowly: prove it on small shapes).
/// Kernels are compiled on first use and cached in fields; launches go to the accelerator's default
/// stream in order, so calls are asynchronous until <see cref="Download"/> or <see cref="Synchronize"/>.
/// Scratch memory (im2col columns, broadcast gradients, per-channel statistics) is reused across calls.
/// </summary>
public sealed partial class IlgpuKernels : IKernels
{
    readonly Context context;
    readonly IlgpuScratch scratch;

    /// <summary>Threads per group for the group-reduction kernels (a power of two).</summary>
    readonly int groupSize;

    /// <summary>Takes ownership of <paramref name="context"/> and creates an accelerator on <paramref name="device"/>.</summary>
    public IlgpuKernels(Context context, Device device)
    {
        this.context = context;
        Accelerator = device.CreateAccelerator(context);
        scratch = new IlgpuScratch(Accelerator);
        groupSize = LargestPowerOfTwo(Math.Min(256, Accelerator.MaxNumThreadsPerGroup));
        GemmTile = LargestPowerOfTwo((int)Math.Sqrt(Math.Min(256, Accelerator.MaxNumThreadsPerGroup)));
        Name = $"ilgpu-{Accelerator.AcceleratorType.ToString().ToLowerInvariant()} ({Accelerator.Name})";
    }

    public string Name { get; }
    public Accelerator Accelerator { get; }

    /// <summary>The GEMM group width T (blocks of 4T x 4T): 16 under CUDA, 4 on the CPU accelerator
    /// (16 threads per group).</summary>
    public int GemmTile { get; }

    static int LargestPowerOfTwo(int n) => 1 << (31 - int.LeadingZeroCount(Math.Max(n, 1)));

    public IBuffer Allocate(long length)
    {
        var memory = Accelerator.Allocate1D<float>(length);
        memory.MemSetToZero();
        return new IlgpuBuffer(memory, Accelerator);
    }

    // The host side of a copy is pinned for its duration: ILGPU's CopyFromCPU / CopyToCPU(ref T, length) take the
    // address with Unsafe.AsPointer and do not pin it, so a garbage collection during the copy could move a managed
    // array away from under it (ILGPU-cpu tests read wrong outputs now and then, more often while other threads
    // allocated).
    public unsafe void Upload(ReadOnlySpan<float> source, IBuffer destination, long offset = 0)
    {
        if (source.IsEmpty) return;
        fixed (float* pinned = source)
            Buffer(destination).Memory.View.SubView(offset, source.Length).CopyFromCPU(ref *pinned, source.Length);
    }

    public unsafe void Download(IBuffer source, Span<float> destination, long offset = 0)
    {
        if (destination.IsEmpty) return;
        // Kernels queued before must have finished writing the source.
        Accelerator.Synchronize();
        fixed (float* pinned = destination)
            Buffer(source).Memory.View.SubView(offset, destination.Length).CopyToCPU(ref *pinned, destination.Length);
    }

    public void Fill(IBuffer destination, float value, long offset, long count) =>
        Fill(V(destination).SubView(offset, count), value);

    void Fill(ArrayView<float> y, float value)
    {
        if (y.Length == 0) return;
        fill ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(ElementwiseKernels.Fill);
        fill(Extent(y.Length), y, value);
    }

    Action<Index1D, ArrayView<float>, float>? fill;

    public void Synchronize() => Accelerator.Synchronize();

    public void Dispose()
    {
        scratch.Dispose();
        Accelerator.Dispose();
        context.Dispose();
    }

    IlgpuBuffer Buffer(IBuffer b) => b is IlgpuBuffer g && g.Owner == Accelerator ? g
        : throw new ArgumentException($"a buffer of another backend ({b.GetType().Name}) was given to {Name}");

    ArrayView<float> V(IBuffer b) => Buffer(b).View;

    /// <summary>A 1-d launch extent; ILGPU grids are int-sized.</summary>
    static Index1D Extent(long count) => count <= int.MaxValue ? new Index1D((int)count)
        : throw new ArgumentOutOfRangeException(nameof(count), $"{count} elements exceed one ILGPU launch");
}
