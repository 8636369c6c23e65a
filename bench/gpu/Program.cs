using Spp.Bench.Gpu;
using Spp.Pruning.Engine;

// sppc-gpu-bench test [device]   the ILGPU tests on CUDA (or on ILGPU's CPU accelerator with ilgpu-cpu)
// sppc-gpu-bench bench [device]  GEMM and convolution throughput of the ILGPU kernels
var mode = args.Length > 0 ? args[0] : "";
var device = args.Length > 1 ? args[1] : "cuda";
try
{
    return mode switch
    {
        "test" => IlgpuTestRun.Run(device),
        "bench" => Throughput.Run(device),
        _ => Usage(),
    };
}
catch (TrainingException e)
{
    // No usable GPU: the one-line reason, as the CLI reports it.
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: SppGpuBench test|bench [cuda|ilgpu-cpu]");
    return 2;
}
