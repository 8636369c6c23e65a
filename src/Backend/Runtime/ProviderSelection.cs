using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Spp.Backend.Runtime;

/// <summary>
/// Chooses the execution provider for <c>--device</c>. ORT lists CUDA among its available providers
/// whether or not a GPU exists, so that list cannot decide. Appending the CUDA provider to session
/// options loads its library and the CUDA libraries it needs, and fails at once (a few ms) when the
/// driver, the libraries or a GPU are missing: that attempt is the test.
/// </summary>
public static class ProviderSelection
{
    private const string CudaProviderLibrary = "libonnxruntime_providers_cuda.so";

    public static ExecutionProvider Resolve(DeviceRequest request, int deviceId = 0)
    {
        if (request == DeviceRequest.Cpu) return new ExecutionProvider("CPU", 0, "--device cpu");
        string? failure = ProbeCuda(deviceId);
        if (failure is null)
            return new ExecutionProvider("CUDA", deviceId, request == DeviceRequest.Cuda ? "--device cuda" : "a CUDA GPU and its libraries are present");
        if (request == DeviceRequest.Cuda)
            throw new DeviceUnavailableException($"--device cuda: CUDA cannot be used here: {failure}");
        return new ExecutionProvider("CPU", 0, $"no usable CUDA ({failure})");
    }

    /// <summary>Null when the CUDA provider can be appended, else why not.</summary>
    private static string? ProbeCuda(int deviceId)
    {
        OrtLog.Quiet();
        try
        {
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(deviceId);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return WhyNotLoaded() ?? e.Message.Replace("[ErrorCode:Fail] ", "", StringComparison.Ordinal).Trim();
        }
    }

    /// <summary>ORT only says "Failed to load shared library"; loading the provider library ourselves
    /// gets the loader's reason, which names the missing piece (e.g. libcublasLt.so.13).</summary>
    private static string? WhyNotLoaded()
    {
        string? path = new[]
        {
            Path.Combine(AppContext.BaseDirectory, CudaProviderLibrary),
            Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", CudaProviderLibrary),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", CudaProviderLibrary),
        }.FirstOrDefault(File.Exists);
        if (path is null) return $"{CudaProviderLibrary} is not installed beside sppc";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            // The loader's own words are on the last line of .NET's message.
            var last = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            return string.IsNullOrEmpty(last) ? null : last;
        }
    }
}
