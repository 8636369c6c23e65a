namespace Spp.Graph.Channels;

/// <summary>Which units of which groups to remove. Group ids and unit indices are those of a
/// <see cref="ChannelAnalysis"/> of the same graph.</summary>
public sealed class PruningPlan
{
    public Dictionary<int, IReadOnlyList<int>> Removed { get; } = new();

    public static readonly PruningPlan Empty = new();

    public PruningPlan Remove(int group, IEnumerable<int> units)
    {
        Removed[group] = units.Distinct().Order().ToList();
        return this;
    }

    public int RemovedCount => Removed.Values.Sum(u => u.Count);

    /// <summary>Checks the plan against an analysis: known, prunable groups; valid unit indices; at
    /// least one unit left in every group.</summary>
    public void Validate(ChannelAnalysis analysis)
    {
        foreach (var (g, units) in Removed)
        {
            if (g < 0 || g >= analysis.Groups.Count) throw new GraphException($"pruning plan names group {g}, which does not exist");
            var group = analysis.Groups[g];
            if (units.Count == 0) continue;
            if (group.Locked) throw new GraphException($"pruning plan removes units of locked {group}");
            if (units.Any(u => u < 0 || u >= group.Width)) throw new GraphException($"pruning plan names a unit outside {group}");
            if (units.Count >= group.Width) throw new GraphException($"pruning plan would remove every unit of {group}");
        }
    }
}
