using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Engine;
using Spp.Graph.Channels;
using Spp.Pruning.Spp;

namespace Spp.Pruning.Methods;

/// <summary>Molchanov et al. 2019 (spp-spec.md 6.2): squared gate derivatives averaged over F
/// batches (EMA 0.9 across pruning steps); every F steps the ΔU units with the smallest importance
/// over all groups are removed (never past a group's target), until every target is met.</summary>
public sealed class TaylorMethod(int frequency = 30, int steps = 32) : IPruningMethod
{
    private TaylorAccumulator? _acc;
    private Dictionary<int, HashSet<int>>? _removed;
    private IBuffer? _scratch;
    private int _perStep;
    private readonly List<MethodTrace> _trajectories = [];

    public string Name => "taylor";
    public IReadOnlyList<MethodTrace> Trajectories => _trajectories;

    public bool BeforeStep(long step, PruneContext ctx)
    {
        if (_acc is null) Start(ctx);
        if (step > 0 && step % frequency == 0) RemoveLeastImportant(step, ctx);
        if (ctx.Groups.All(g => _removed![g.Id].Count >= ctx.Targets[g.Id])) return false;
        // Gates stay open for the derivative at m = 1, except for units already removed.
        ctx.Gates.Set(ctx.MasksWithout(_removed!.ToDictionary(kv => kv.Key, kv => (IEnumerable<int>)kv.Value)));
        return true;
    }

    [MemberNotNull(nameof(_acc), nameof(_removed), nameof(_scratch))]
    private void Start(PruneContext ctx)
    {
        _acc = new TaylorAccumulator(ctx.Gates.UnitCount);
        _removed = ctx.Groups.ToDictionary(g => g.Id, _ => new HashSet<int>());
        _perStep = Math.Max(1, (int)Math.Ceiling(ctx.Targets.Values.Sum() / (double)steps));
        _scratch = ctx.Trainer.Graph.K.Allocate(Math.Max(1, ctx.Trainer.Graph.Parameters.Max(p => p.Tensor.Shape.Length > 1 ? p.Tensor.Shape.Max() : p.Tensor.Count)));
    }

    public void AfterBackward(long step, PruneContext ctx) => _acc!.AddBatch(ctx.Gates.GateGradients(_scratch!));

    private void RemoveLeastImportant(long step, PruneContext ctx)
    {
        var importance = _acc!.Importance();
        var candidates = new List<(double Score, int Group, int Unit)>();
        foreach (var g in ctx.Groups)
            for (int u = 0; u < g.Width; u++)
                if (!_removed![g.Id].Contains(u)) candidates.Add((importance[ctx.Gates.FirstUnit[g.Id] + u], g.Id, u));
        int taken = 0;
        foreach (var c in candidates.OrderBy(c => c.Score).ThenBy(c => c.Group).ThenBy(c => c.Unit))
        {
            if (taken >= _perStep) break;
            if (_removed![c.Group].Count >= ctx.Targets[c.Group]) continue;
            _removed[c.Group].Add(c.Unit);
            taken++;
        }
        foreach (var g in ctx.Groups.Take(4))
            _trajectories.Add(new MethodTrace(step, g.Id, Enumerable.Range(0, g.Width).Select(u => importance[ctx.Gates.FirstUnit[g.Id] + u]).ToArray()));
    }

    public IReadOnlyDictionary<int, IReadOnlyList<int>> Finish(PruneContext ctx)
    {
        _removed ??= ctx.Groups.ToDictionary(g => g.Id, _ => new HashSet<int>());
        var l1 = ctx.L1();
        foreach (var g in ctx.Groups)
        {
            // Budget spent before every target was met: complete by the smallest L1 (FINALIZE).
            int missing = ctx.Targets[g.Id] - _removed[g.Id].Count;
            foreach (int u in Enumerable.Range(0, g.Width).Where(u => !_removed[g.Id].Contains(u)).OrderBy(u => l1[g.Id][u]).ThenBy(u => u).Take(missing))
                _removed[g.Id].Add(u);
        }
        _scratch?.Dispose();
        return _removed.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Order().ToList());
    }

    private sealed record State(TaylorSnapshot? Accumulator, Dictionary<int, int[]>? Removed, List<MethodTrace> Trajectories);

    public JsonNode? SaveState() =>
        CheckpointJson.ToNode(new State(_acc?.Snapshot(), _removed?.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ToArray()), _trajectories));

    public void RestoreState(JsonNode? state, PruneContext ctx)
    {
        var s = CheckpointJson.FromNode<State>(state, "taylor state");
        _trajectories.Clear();
        _trajectories.AddRange(s.Trajectories);
        if (s.Accumulator is null || s.Removed is null) return;
        Start(ctx);
        _acc!.Restore(s.Accumulator);
        foreach (var g in ctx.Groups)
            _removed![g.Id] = s.Removed.TryGetValue(g.Id, out var units) && units.All(u => u >= 0 && u < g.Width)
                ? [.. units] : throw new CheckpointFormatException($"does not fit the model (no state for group {g.Id})");
    }
}
