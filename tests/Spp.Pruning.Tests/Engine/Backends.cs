using Spp.Pruning.Engine;
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
    };

    public static IKernels Create(string name) => All[name]();

    public static TheoryData<string> Names => [.. All.Keys];
}
