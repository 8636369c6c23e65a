using Spp.Graph.Channels;
using Spp.Pruning.Criteria;
using Spp.Pruning.Engine;
using Spp.Pruning.Training;

namespace Spp.Pruning.Methods;

/// <summary>What a pruning method sees while it trains: the analysis, the prunable groups with their
/// targets P_g, the gates over the training graph, the trainer, and current-weight importances.</summary>
public sealed class PruneContext(ChannelAnalysis analysis, IReadOnlyDictionary<int, int> targets, ChannelGates gates, Trainer trainer, int seed)
{
    public ChannelAnalysis Analysis { get; } = analysis;
    /// <summary>Units to remove per group id (groups with a target of 0 are not listed).</summary>
    public IReadOnlyDictionary<int, int> Targets { get; } = targets;
    public ChannelGates Gates { get; } = gates;
    public Trainer Trainer { get; } = trainer;
    public int Seed { get; } = seed;
    public IEnumerable<ChannelGroup> Groups => Gates.Groups;

    /// <summary>L1 importance of every unit of every gated group from the current master weights
    /// (each parameter downloaded once).</summary>
    public Dictionary<int, double[]> L1()
    {
        var cache = new Dictionary<string, float[]?>();
        float[]? Weights(string name)
        {
            if (cache.TryGetValue(name, out var d)) return d;
            var p = Trainer.Graph.Parameter(name);
            if (p is null) return cache[name] = null;
            var data = new float[p.Tensor.Count];
            Trainer.Graph.K.Download(p.Master, data);
            return cache[name] = data;
        }
        return Groups.ToDictionary(g => g.Id, g => L1Importance.Of(Analysis, g, Weights));
    }

    /// <summary>Masks with the given units off (retired or chosen) and all others on.</summary>
    public float[] MasksWithout(IReadOnlyDictionary<int, IEnumerable<int>> off)
    {
        var m = Enumerable.Repeat(1f, Gates.UnitCount).ToArray();
        foreach (var (g, units) in off)
            foreach (int u in units) m[Gates.FirstUnit[g] + u] = 0f;
        return m;
    }
}
