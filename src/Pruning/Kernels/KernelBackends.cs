using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Ilgpu;

namespace Spp.Pruning.Kernels;

/// <summary>A kernel backend and one line saying what runs and why (printed by the CLI).</summary>
public sealed record KernelBackend(IKernels Kernels, string Description);

/// <summary>
/// Chooses the kernel backend for <c>--device</c>: <c>cuda</c> (ILGPU on the first CUDA GPU, an
/// error without one), <c>cpu</c> (the managed SIMD backend), <c>auto</c> (CUDA when a GPU is found,
/// else the CPU backend) and <c>ilgpu-cpu</c> (ILGPU's CPU accelerator: the GPU kernels run on the
/// CPU, slowly; for testing them without a GPU). The CPU backend is passed in as a factory so this
/// project needs no reference to it.
/// </summary>
public static class KernelBackends
{
    public static readonly IReadOnlyList<string> Devices = ["auto", "cpu", "cuda", "ilgpu-cpu"];

    public static KernelBackend Create(string device, Func<IKernels> cpu)
    {
        switch (device)
        {
            case "cpu":
                return new KernelBackend(cpu(), "device cpu: managed SIMD kernels (as asked)");
            case "ilgpu-cpu":
            {
                var context = Context.Create(b => b.CPU().EnableAlgorithms());
                var kernels = new IlgpuKernels(context, context.GetCPUDevice(0));
                return new KernelBackend(kernels, $"device ilgpu-cpu: {kernels.Name}, the GPU kernels on ILGPU's CPU accelerator (as asked; slow)");
            }
            case "cuda":
            {
                var (kernels, reason) = TryCuda();
                return kernels is not null
                    ? new KernelBackend(kernels, $"device cuda: {kernels.Name} (as asked)")
                    : throw new TrainingException($"--device cuda: no usable CUDA GPU ({reason})");
            }
            case "auto":
            {
                var (kernels, reason) = TryCuda();
                return kernels is not null
                    ? new KernelBackend(kernels, $"device auto: {kernels.Name}, a CUDA GPU was found")
                    : new KernelBackend(cpu(), $"device auto: managed SIMD CPU kernels ({reason})");
            }
            default:
                throw new TrainingException($"--device {device}: unknown device (expected one of {string.Join(", ", Devices)})");
        }
    }

    /// <summary>ILGPU on the first CUDA device, or null and why not.</summary>
    public static (IKernels? Kernels, string Reason) TryCuda()
    {
        CudaDriverResolver.Register();
        Context? context = null;
        try
        {
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                context.Dispose();
                return (null, OperatingSystem.IsLinux() && !File.Exists("/dev/nvidiactl")
                    ? "no NVIDIA driver on this machine"
                    : "ILGPU found no CUDA device: no GPU, or the driver (libcuda.so.1) could not be loaded");
            }
            var kernels = new IlgpuKernels(context, devices[0]);
            context = null;
            if (SelfTest(kernels) is { } failure)
            {
                kernels.Dispose();
                return (null, $"CUDA self-test failed on {devices[0].Name}: {failure}");
            }
            return (kernels, "");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A driver that loads but fails (too old, busy, unsupported GPU) is reported, not thrown:
            // auto falls back to the CPU and cuda names the cause.
            context?.Dispose();
            return (null, $"CUDA failed to start: {e.GetType().Name}: {FirstLine(e.Message)}");
        }
    }

    /// <summary>Compiles and runs a small tiled GEMM (shared memory and barriers, the kernel most likely
    /// to meet a code-generation problem on a new GPU generation) and checks its result, so that
    /// auto falls back to the CPU instead of failing in the middle of training. Null when it passed.</summary>
    static string? SelfTest(IlgpuKernels k)
    {
        try
        {
            const int n = 20;
            float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
            for (var i = 0; i < a.Length; i++) (a[i], b[i]) = (i % 7 - 3, i % 5 - 2);
            using var ga = k.Allocate(a.Length);
            using var gb = k.Allocate(b.Length);
            using var gc = k.Allocate(c.Length);
            k.Upload(a, ga);
            k.Upload(b, gb);
            k.Gemm(new GemmDesc(false, false, n, n, n, 1, 0, 0, n, 0, 0, n, 0, 0, n, 0), ga, gb, gc);
            k.Download(gc, c);
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                {
                    float expected = 0;
                    for (var p = 0; p < n; p++) expected += a[i * n + p] * b[p * n + j];
                    // Small integers: the product is exact in float, whatever the summation order.
                    if (c[i * n + j] != expected) return $"GEMM gave {c[i * n + j]} for {expected} at ({i}, {j})";
                }
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"{e.GetType().Name}: {FirstLine(e.Message)}";
        }
    }

    static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
