using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Engine;
using Spp.Pruning.Spp;

namespace Spp.Pruning.Methods;

/// <summary>IncReg (spp-spec.md 6.3): every step, per-unit penalties λ grow with the unit's running
/// mean L1 rank by the SPP increment (A = A_reg); the penalty gradient λ_c w is added to every
/// element of the unit; a unit whose λ reaches λ_target is retired (gated off and frozen).</summary>
public sealed class IncRegMethod(double aReg = 2.5e-4, double lambdaTarget = 2.5) : IPruningMethod
{
    private Dictionary<int, IncRegGroupState>? _states;
    private IBuffer? _scratch;
    private float[]? _lambda;
    private readonly List<MethodTrace> _trajectories = [];

    public string Name => "increg";
    public IReadOnlyList<MethodTrace> Trajectories => _trajectories;

    public bool BeforeStep(long step, PruneContext ctx)
    {
        if (_states is null) Start(ctx);
        var l1 = ctx.L1();
        foreach (var (id, s) in _states)
        {
            s.Update(l1[id], aReg, lambdaTarget);
            for (int u = 0; u < s.Width; u++) _lambda![ctx.Gates.FirstUnit[id] + u] = s.IsPruned(u) ? 0f : (float)s.Lambda[u];
        }
        if (step % 50 == 0) foreach (var id in _states.Keys.Take(4)) _trajectories.Add(new MethodTrace(step, id, _states[id].Lambda.ToArray()));
        if (_states.Values.All(s => s.Done)) return false;
        ctx.Gates.Set(ctx.MasksWithout(_states.ToDictionary(kv => kv.Key, kv => kv.Value.Pruned)));
        return true;
    }

    [MemberNotNull(nameof(_states), nameof(_scratch), nameof(_lambda))]
    private void Start(PruneContext ctx)
    {
        _states = ctx.Groups.ToDictionary(g => g.Id, g => new IncRegGroupState(g.Id, g.Width, ctx.Targets[g.Id]));
        _scratch = ctx.Trainer.Graph.K.Allocate(ctx.Trainer.Graph.Parameters.Max(p => p.Tensor.Count));
        _lambda = new float[ctx.Gates.UnitCount];
    }

    public void AfterBackward(long step, PruneContext ctx) => ctx.Gates.AddRegularization(_lambda, _scratch!);

    public IReadOnlyDictionary<int, IReadOnlyList<int>> Finish(PruneContext ctx)
    {
        _states ??= ctx.Groups.ToDictionary(g => g.Id, g => new IncRegGroupState(g.Id, g.Width, ctx.Targets[g.Id]));
        var l1 = ctx.L1();
        foreach (var (id, s) in _states) if (!s.Done) s.Finalize(l1[id]);
        _scratch?.Dispose();
        return _states.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Pruned.ToList());
    }

    private sealed record State(Dictionary<int, IncRegGroupSnapshot>? Groups, List<MethodTrace> Trajectories);

    public JsonNode? SaveState() =>
        CheckpointJson.ToNode(new State(_states?.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot()), _trajectories));

    public void RestoreState(JsonNode? state, PruneContext ctx)
    {
        var s = CheckpointJson.FromNode<State>(state, "increg state");
        _trajectories.Clear();
        _trajectories.AddRange(s.Trajectories);
        if (s.Groups is null) return;
        Start(ctx);
        foreach (var (id, group) in _states!)
            group.Restore(s.Groups.TryGetValue(id, out var saved) ? saved : throw new CheckpointFormatException($"does not fit the model (no state for group {id})"));
    }
}
