using System.Text.Json.Nodes;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Engine;
using Spp.Pruning.Spp;

namespace Spp.Pruning.Methods;

/// <summary>Structured Probabilistic Pruning (spp-spec.md 2.3) on channel units: every t steps the
/// probabilities move by the rank-based increment from current L1 importances; every step each
/// unfinished group's masks are sampled from them (one draw per unit, keyed by seed, step, unit id);
/// units reaching p = 1 are retired for good.</summary>
public sealed class SppMethod(int interval, int maxUpdates, double a = SppIncrement.DefaultA, double u = SppIncrement.DefaultU, double emaDecay = 0) : IPruningMethod
{
    private Dictionary<int, SppGroupState>? _states;
    private int _updates;
    private readonly List<MethodTrace> _trajectories = [];

    public string Name => "spp";
    public int Interval { get; } = interval;
    public int Updates => _updates;
    public IReadOnlyList<MethodTrace> Trajectories => _trajectories;

    public bool BeforeStep(long step, PruneContext ctx)
    {
        _states ??= NewStates(ctx);
        if (step % Interval == 0)
        {
            if (_updates >= maxUpdates) return false;
            var l1 = ctx.L1();
            foreach (var (id, s) in _states) s.Update(l1[id], a, u, emaDecay);
            _updates++;
            foreach (var id in _states.Keys.Take(4)) _trajectories.Add(new MethodTrace(step, id, _states[id].Probabilities.ToArray()));
        }
        if (_states.Values.All(s => s.Done)) return false;
        var masks = new float[ctx.Gates.UnitCount];
        ulong key = (ulong)ctx.Seed * 0x9E3779B97F4A7C15UL + (ulong)step;
        foreach (var s in _states.Values)
            s.SampleMasks(masks.AsSpan(s.FirstUnitId, s.Width), unit => CounterRandom.Uniform(key, (ulong)unit));
        ctx.Gates.Set(masks);
        return true;
    }

    public void AfterBackward(long step, PruneContext ctx) { }

    public IReadOnlyDictionary<int, IReadOnlyList<int>> Finish(PruneContext ctx)
    {
        _states ??= NewStates(ctx);
        var l1 = ctx.L1();
        foreach (var (id, s) in _states) if (!s.Done) s.Finalize(l1[id]);
        return _states.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Pruned.ToList());
    }

    private static Dictionary<int, SppGroupState> NewStates(PruneContext ctx) =>
        ctx.Groups.ToDictionary(g => g.Id, g => new SppGroupState(g.Id, g.Width, ctx.Targets[g.Id], ctx.Gates.FirstUnit[g.Id]));

    private sealed record State(int Updates, Dictionary<int, SppGroupSnapshot>? Groups, List<MethodTrace> Trajectories);

    public JsonNode? SaveState() =>
        CheckpointJson.ToNode(new State(_updates, _states?.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot()), _trajectories));

    public void RestoreState(JsonNode? state, PruneContext ctx)
    {
        var s = CheckpointJson.FromNode<State>(state, "spp state");
        _updates = s.Updates;
        _trajectories.Clear();
        _trajectories.AddRange(s.Trajectories);
        _states = s.Groups is null ? null : NewStates(ctx);
        foreach (var (id, group) in _states ?? [])
            group.Restore(s.Groups!.TryGetValue(id, out var saved) ? saved : throw new CheckpointFormatException($"does not fit the model (no state for group {id})"));
    }
}
