using Spp.Backend.Profiling;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Pipeline;

/// <summary>Backend's measured latency model as the allocator's cost of widths (Backend does not
/// depend on Pruning, so the two meet here).</summary>
public sealed class ProfiledWidthCost(GroupLatencyProfiler profiler) : IWidthCost
{
    public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0) => profiler.Costs(group, widths, pass);
}
