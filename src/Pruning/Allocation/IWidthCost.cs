using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// What a channel group's width costs where the model will run: the time of the layers whose work
/// depends on the group, at each width asked for, relative to the group at its full width (1).
/// Counting MACs says a narrower group is always cheaper; runtimes say otherwise (ONNX Runtime's
/// CPU convolutions run 48 channels faster than 45), and the allocator keeps only widths that no
/// wider width beats. Implementations measure (Backend's ONNX Runtime profiler) or, in tests, compute.
/// The same group, width and pass must always give the same cost within one allocation; another
/// <c>pass</c> is an independent measurement of the same widths (a second opinion on widths that
/// look fast, since one disturbed run can make a width look faster than it is).
/// </summary>
public interface IWidthCost
{
    IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0);
}
