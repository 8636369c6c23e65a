using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;
using Spp.Pruning.Kernels.Ilgpu;
using Spp.Pruning.Kernels.Reference;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>--device selection. Written for both kinds of machine: where CUDA is absent (this
/// project's CI) auto must fall back to the CPU factory and cuda must fail with one line; where a GPU
/// is present both must pick it.</summary>
public class KernelBackendsTests
{
    static readonly Func<IKernels> Cpu = () => new ReferenceKernels();

    [Fact]
    public void CpuIsTheFactorysBackend()
    {
        using var k = KernelBackends.Create("cpu", Cpu).Kernels;
        Assert.IsType<ReferenceKernels>(k);
    }

    [Fact]
    public void IlgpuCpuRunsTheKernelsOnTheCpuAccelerator()
    {
        var backend = KernelBackends.Create("ilgpu-cpu", Cpu);
        using var k = Assert.IsType<IlgpuKernels>(backend.Kernels);
        Assert.StartsWith("ilgpu-cpu", k.Name);
        Assert.Contains("ilgpu-cpu", backend.Description);
        using var b = k.Allocate(3);
        k.Fill(b, 2.5f, 1, 2);
        var v = new float[3];
        k.Download(b, v);
        Assert.Equal([0f, 2.5f, 2.5f], v);
    }

    [Fact]
    public void AutoAndCudaFollowWhetherAGpuIsThere()
    {
        var (probe, reason) = KernelBackends.TryCuda();
        var gpu = probe is not null;
        probe?.Dispose();
        var auto = KernelBackends.Create("auto", Cpu);
        using (auto.Kernels)
        {
            Assert.Equal(gpu, auto.Kernels is IlgpuKernels);
            Assert.DoesNotContain('\n', auto.Description);
        }
        if (gpu)
        {
            using var cuda = KernelBackends.Create("cuda", Cpu).Kernels;
            Assert.StartsWith("ilgpu-cuda", cuda.Name);
            return;
        }
        Assert.Contains(reason, auto.Description);
        var e = Assert.Throws<TrainingException>(() => KernelBackends.Create("cuda", Cpu));
        Assert.StartsWith("--device cuda: no usable CUDA GPU (", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UnknownDeviceIsNamed()
    {
        var e = Assert.Throws<TrainingException>(() => KernelBackends.Create("tpu", Cpu));
        Assert.Contains("tpu", e.Message);
    }
}
