using System.Text.Json.Nodes;

namespace Spp.Pruning.Methods;

/// <summary>A criterion that decides, while training, which units go (spp-spec.md 2 and 6). The
/// driver calls <see cref="BeforeStep"/> before each optimizer step (to update probabilities and set
/// gates), <see cref="AfterBackward"/> between the backward pass and the update, and
/// <see cref="Finish"/> once: done, or out of budget (FINALIZE).</summary>
public interface IPruningMethod
{
    string Name { get; }
    /// <summary>Returns false once every group has reached its target (no more steps needed).</summary>
    bool BeforeStep(long step, PruneContext ctx);
    void AfterBackward(long step, PruneContext ctx);
    /// <summary>The removed units per group id, completing unfinished groups.</summary>
    IReadOnlyDictionary<int, IReadOnlyList<int>> Finish(PruneContext ctx);
    /// <summary>Probability (or λ) of each unit of a few groups at each update, for the report.</summary>
    IReadOnlyList<MethodTrace> Trajectories { get; }
    /// <summary>What the method has gathered so far (probabilities, retired units, histories,
    /// trajectories), taken at a step boundary before the next <see cref="BeforeStep"/>, for a
    /// checkpoint; null when it keeps nothing between steps.</summary>
    JsonNode? SaveState();
    /// <summary>Continues from what <see cref="SaveState"/> returned; called before the first
    /// <see cref="BeforeStep"/> of the resumed run.</summary>
    void RestoreState(JsonNode? state, PruneContext ctx);
}
