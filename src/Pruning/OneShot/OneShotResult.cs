using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;

namespace Spp.Pruning.OneShot;

/// <summary>A pruned model with what it was derived from: the analysis, the plan, the allocation and
/// the masked original the pruned model must equal.</summary>
public sealed record PruneResult(Model Original, Model Pruned, Model MaskedOriginal, ChannelAnalysis Analysis, PruningPlan Plan, WidthAllocation Allocation);
