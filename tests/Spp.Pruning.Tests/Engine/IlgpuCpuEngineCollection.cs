namespace Spp.Pruning.Tests.Engine;

/// <summary>Engine tests that also run on ILGPU's CPU accelerator (their theories include "ilgpu-cpu") run alone,
/// after the parallel tests, as the ILGPU kernel tests do (see <c>IlgpuCollection</c>; the wrong results they gave
/// now and then were unpinned host copies, see <c>HostCopyTests</c>).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IlgpuCpuEngineCollection
{
    public const string Name = "ilgpu-cpu engine";
}
