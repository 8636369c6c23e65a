using ILGPU;
using ILGPU.Runtime.CPU;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;
using Spp.Pruning.Kernels.Ilgpu;
using Spp.Pruning.Kernels.Reference;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>One ILGPU accelerator for all ILGPU tests (kernels compile once per accelerator) and the
/// scalar reference backend they are compared against. ILGPU's CPU accelerator by default;
/// SPP_ILGPU_TEST_DEVICE=cuda runs the same tests on a CUDA GPU (bench/gpu.sh does).</summary>
public sealed class IlgpuFixture : IDisposable
{
    public const string DeviceVariable = "SPP_ILGPU_TEST_DEVICE";

    public IlgpuFixture()
    {
        if (Environment.GetEnvironmentVariable(DeviceVariable) == "cuda")
        {
            var (kernels, reason) = KernelBackends.TryCuda();
            Gpu = kernels as IlgpuKernels ?? throw new InvalidOperationException($"{DeviceVariable}=cuda, but {reason}");
            return;
        }
        var context = Context.Create(b => b.CPU().EnableAlgorithms());
        Gpu = new IlgpuKernels(context, context.GetCPUDevice(0));
    }

    public IlgpuKernels Gpu { get; }
    public ReferenceKernels Reference { get; } = new();

    public void Dispose() => Gpu.Dispose();
}

/// <summary>Runs alone, after the parallel tests (16 accelerator threads per group on a 2-core machine). The wrong
/// results these tests gave now and then, more often beside other classes, came from host copies of unpinned
/// arrays moved by the garbage collector (<see cref="HostCopyTests"/>), not from the accelerator.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IlgpuCollection : ICollectionFixture<IlgpuFixture>
{
    public const string Name = "ilgpu";
}

/// <summary>A tensor held by both backends with the same contents.</summary>
public sealed record Twin(IBuffer Gpu, IBuffer Reference, long Length);

/// <summary>Runs a primitive on both backends and compares their outputs.</summary>
public abstract class BackendComparison(IlgpuFixture f)
{
    protected IlgpuKernels G => f.Gpu;
    protected ReferenceKernels R => f.Reference;

    /// <summary>Relative tolerance of the comparisons (float sums against double ones).</summary>
    protected const double Tolerance = 1e-5;

    protected Twin Of(float[] data)
    {
        var t = new Twin(G.Allocate(data.Length), R.Allocate(data.Length), data.Length);
        G.Upload(data, t.Gpu);
        R.Upload(data, t.Reference);
        return t;
    }

    protected Twin Random(long length, int seed, float lo = -1f, float hi = 1f) => Of(Values(length, seed, lo, hi));

    /// <summary>The same seeded uniform data as the CPU backend's tests.</summary>
    protected static float[] Values(long length, int seed, float lo = -1f, float hi = 1f) => Cpu.BackendPair.Values(seed, length, lo, hi);

    protected static float[] Download(IKernels k, IBuffer b, long length)
    {
        var v = new float[length];
        k.Download(b, v);
        return v;
    }

    /// <summary>|gpu - ref| &lt;= Tolerance * max(1, |ref|) element-wise (absolute near zero, where
    /// cancellation leaves no relative accuracy to ask for).</summary>
    protected void AssertClose(Twin t, double tolerance = Tolerance, string what = "")
    {
        var g = Download(G, t.Gpu, t.Length);
        var r = Download(R, t.Reference, t.Length);
        for (var i = 0; i < g.Length; i++)
        {
            var limit = tolerance * Math.Max(1.0, Math.Abs(r[i]));
            if (!(Math.Abs(g[i] - r[i]) <= limit))
                Assert.Fail($"{what} element {i} of {g.Length}: ilgpu {g[i]} vs reference {r[i]}");
        }
    }

    protected void AssertIdentical(Twin t)
    {
        Assert.Equal(Download(R, t.Reference, t.Length), Download(G, t.Gpu, t.Length));
    }
}
