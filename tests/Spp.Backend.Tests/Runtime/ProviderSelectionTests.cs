using System.Diagnostics;
using Spp.Backend.Runtime;

namespace Spp.Backend.Tests;

public class ProviderSelectionTests
{
    [Fact]
    public void CpuIsWhatWasAskedFor()
    {
        var p = ProviderSelection.Resolve(DeviceRequest.Cpu);
        Assert.Equal(("CPU", "--device cpu"), (p.Name, p.Reason));
    }

    /// <summary>Auto falls back to the CPU with a reason exactly when CUDA cannot be used, and then
    /// insisting on CUDA is a one-line error carrying the same reason. Either way it decides fast.</summary>
    [Fact]
    public void AutoAndCudaAgreeOnWhetherCudaIsUsable()
    {
        var sw = Stopwatch.StartNew();
        var auto = ProviderSelection.Resolve(DeviceRequest.Auto);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"probing took {sw.Elapsed}");
        if (auto.IsCuda)
        {
            Assert.True(ProviderSelection.Resolve(DeviceRequest.Cuda).IsCuda);
            return;
        }
        Assert.Equal("CPU", auto.Name);
        Assert.StartsWith("no usable CUDA (", auto.Reason);
        var e = Assert.Throws<DeviceUnavailableException>(() => ProviderSelection.Resolve(DeviceRequest.Cuda));
        Assert.StartsWith("--device cuda: CUDA cannot be used here: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(e.Message["--device cuda: CUDA cannot be used here: ".Length..], auto.Reason);
    }
}
