using System.Text.Json.Nodes;
using Spp.Pruning.Criteria;

namespace Spp.Pruning.Methods;

/// <summary>Li et al. (spp-spec.md 6.1): one shot at step 0, the smallest-L1 units of each group;
/// the whole budget is fine-tuning.</summary>
public sealed class L1Method(bool producerOnly = false) : IPruningMethod
{
    public string Name => "l1";
    public IReadOnlyList<MethodTrace> Trajectories => [];
    public JsonNode? SaveState() => null;
    public void RestoreState(JsonNode? state, PruneContext ctx) { }

    public bool BeforeStep(long step, PruneContext ctx) => false;
    public void AfterBackward(long step, PruneContext ctx) { }

    public IReadOnlyDictionary<int, IReadOnlyList<int>> Finish(PruneContext ctx) =>
        ctx.Groups.ToDictionary(g => g.Id, g => (IReadOnlyList<int>)L1Importance.Smallest(
            L1Importance.Of(ctx.Analysis, g, producerOnly), ctx.Targets[g.Id]).ToList());
}
