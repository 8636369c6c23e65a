using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;
using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Kernels.Reference;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Every kernel backend the engine tests run on, by name (the theory parameter). The CPU and
/// ILGPU backends add a line each; every op, gradient, model and gate test then covers them too.</summary>
public static class Backends
{
    public static readonly IReadOnlyDictionary<string, Func<IKernels>> All = new Dictionary<string, Func<IKernels>>
    {
        ["reference"] = () => new ReferenceKernels(),
        ["cpu"] = () => new CpuKernels(),
        // ILGPU's kernels on its CPU accelerator: the GPU code path, proven without a GPU.
        ["ilgpu-cpu"] = () => KernelBackends.Create("ilgpu-cpu", () => new ReferenceKernels()).Kernels,
    };

    /// <summary>Backends fast enough for whole-model tests (real models forward and backward):
    /// ILGPU's CPU accelerator interprets the GPU kernels thread by thread and takes minutes there;
    /// its kernels are proven op by op instead.</summary>
    public static IEnumerable<string> WholeModel => All.Keys.Where(k => k != "ilgpu-cpu");

    /// <summary>Backends whose results are bit-reproducible (spp's determinism promise is for the
    /// CPU): ILGPU's CPU accelerator schedules its groups' reductions differently run to run, so
    /// bit-exact and whole-net finite-difference tests stay on these; its kernels are proven op by op.</summary>
    public static TheoryData<string> Deterministic => [.. WholeModel];

    public static IKernels Create(string name) => All[name]();

    public static TheoryData<string> Names => [.. All.Keys];
}
