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
        var (unshared, analysis) = Prepare(model);
        return Prune(unshared, analysis, new UniformAllocator(analysis).Allocate(options), producerOnly);
    }

    /// <summary>The model with private constants (exporters share them) and its channel analysis:
    /// what allocations and plans are made against.</summary>
    public static (Model Unshared, ChannelAnalysis Analysis) Prepare(Model model)
    {
        model = model.CloneWithGraph(ConstantUnsharing.Apply(model.Graph).Graph);
        return (model, ChannelAnalysis.Run(model.Graph, model.OnnxOpset));
    }

    /// <param name="model">the model <paramref name="analysis"/> was made of (see <see cref="Prepare"/>)</param>
    public static PruneResult Prune(Model model, ChannelAnalysis analysis, WidthAllocation allocation, bool producerOnly = false)
    {
        var plan = Plan(analysis, allocation, producerOnly);
        return new PruneResult(model,
            model.CloneWithGraph(GraphPruner.Prune(analysis, plan)),
            model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, plan)),
            analysis, plan, allocation);
    }

    /// <summary>In each group, the allocation's count of units with the smallest L1 importance.</summary>
    public static PruningPlan Plan(ChannelAnalysis analysis, WidthAllocation allocation, bool producerOnly = false)
    {
        var plan = new PruningPlan();
        foreach (var g in analysis.PrunableGroups)
        {
            int remove = allocation.RemovedUnits(g);
            if (remove > 0) plan.Remove(g.Id, L1Importance.Smallest(L1Importance.Of(analysis, g, producerOnly), remove));
        }
        return plan;
    }
}
