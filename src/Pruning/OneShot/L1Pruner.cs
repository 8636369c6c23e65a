using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.Criteria;

namespace Spp.Pruning.OneShot;

/// <summary>Data-free one-shot pruning (spp-spec.md 6.1 without fine-tuning): widths from the
/// speedup allocation, in each group the units with the smallest L1 importance removed.</summary>
public static class L1Pruner
{
    public static PruneResult Prune(Model model, AllocationOptions options, bool producerOnly = false)
    {
        model = model.CloneWithGraph(ConstantUnsharing.Apply(model.Graph).Graph);
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var allocation = new UniformAllocator(analysis).Allocate(options);
        var plan = new PruningPlan();
        foreach (var g in analysis.PrunableGroups)
        {
            int remove = allocation.RemovedUnits(g);
            if (remove > 0) plan.Remove(g.Id, L1Importance.Smallest(L1Importance.Of(analysis, g, producerOnly), remove));
        }
        return new PruneResult(model,
            model.CloneWithGraph(GraphPruner.Prune(analysis, plan)),
            model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, plan)),
            analysis, plan, allocation);
    }
}
