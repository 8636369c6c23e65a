using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Runtime;

namespace Spp.Cli.Options;

/// <summary>The parsed <c>--device --threads --ort-opt</c>. Resolving probes for CUDA, so it waits
/// until a command is about to run a model.</summary>
public sealed record RuntimeChoice(DeviceRequest Device, int Threads, GraphOptimizationLevel Optimization)
{
    public static readonly RuntimeChoice Default = new(DeviceRequest.Auto, 0, GraphOptimizationLevel.ORT_ENABLE_ALL);

    /// <summary>Chooses the provider; commands show it, with the reason, in their results (not as a
    /// separate line, so that a failure later is still the one line on stderr).</summary>
    public OrtSettings Resolve() => new(Threads, Optimization, ProviderSelection.Resolve(Device));
}
