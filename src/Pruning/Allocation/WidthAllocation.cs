using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>Units to keep per prunable group, with the MACs they give.</summary>
public sealed record WidthAllocation(IReadOnlyDictionary<int, int> Kept, double Ratio, double Macs, double OriginalMacs)
{
    /// <summary>A group given a width off its ladder so that the MACs land within the target's 3%
    /// (the rungs were too coarse), or null.</summary>
    public int? OffLadder { get; init; }

    public double PredictedSpeedup => OriginalMacs / Math.Max(Macs, 1);
    public int RemovedUnits(ChannelGroup g) => g.Width - Kept.GetValueOrDefault(g.Id, g.Width);
}

/// <summary>The speedup target cannot be reached within the minimum widths.</summary>
public sealed class UnreachableSpeedupException(string message, double reachable) : Exception(message)
{
    public double ReachableSpeedup { get; } = reachable;
}
