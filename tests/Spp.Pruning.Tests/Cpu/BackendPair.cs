using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Kernels.Reference;
using Spp.Pruning.Tests.Engine;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>A tensor held by both backends with the same initial contents.</summary>
public sealed class Twin(IBuffer reference, IBuffer cpu, long length)
{
    public IBuffer Reference { get; } = reference;
    public IBuffer Cpu { get; } = cpu;
    public long Length { get; } = length;
}

/// <summary>
/// Runs one primitive call on <see cref="ReferenceKernels"/> (the independent reference) and on
/// <see cref="CpuKernels"/> with identical inputs, then compares any buffer both calls wrote.
/// </summary>
public sealed class BackendPair(int threads = 0) : IDisposable
{
    public ReferenceKernels Reference { get; } = new();
    public CpuKernels Cpu { get; } = new(threads);

    public Twin Of(float[] data)
    {
        var t = new Twin(Reference.Allocate(data.Length), Cpu.Allocate(data.Length), data.Length);
        Reference.Upload(data, t.Reference);
        Cpu.Upload(data, t.Cpu);
        return t;
    }

    /// <summary>Uniform values in [lo, hi).</summary>
    public Twin Random(int seed, long length, float lo = -1, float hi = 1) => Of(Values(seed, length, lo, hi));

    public static float[] Values(int seed, long length, float lo = -1, float hi = 1)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (long i = 0; i < length; i++) x[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return x;
    }

    /// <summary>Calls <paramref name="call"/> once per backend with that backend's buffers.</summary>
    public void Run(Action<IKernels, Func<Twin, IBuffer>> call)
    {
        call(Reference, t => t.Reference);
        call(Cpu, t => t.Cpu);
    }

    public (float[] Reference, float[] Cpu) Contents(Twin t)
    {
        float[] r = new float[t.Length], c = new float[t.Length];
        Reference.Download(t.Reference, r);
        Cpu.Download(t.Cpu, c);
        return (r, c);
    }

    /// <summary>Every element within <paramref name="relative"/> of the largest reference magnitude.</summary>
    public void Close(Twin t, string what, double relative = 1e-5)
    {
        var (r, c) = Contents(t);
        Compare.Close(r, c, relative, what);
    }

    public void Equal(Twin t, string what)
    {
        var (r, c) = Contents(t);
        for (int i = 0; i < r.Length; i++)
            if (BitConverter.SingleToInt32Bits(r[i]) != BitConverter.SingleToInt32Bits(c[i]))
                Assert.Fail($"{what}: element {i} is {c[i]}, the reference has {r[i]}");
    }

    public void Dispose()
    {
        Reference.Dispose();
        Cpu.Dispose();
    }
}
