using Spp.Graph.Channels;

namespace Spp.TestModels;

/// <summary>Random pruning plans: a share of the units of every prunable group, seeded.</summary>
public static class RandomPlans
{
    public static PruningPlan Of(ChannelAnalysis analysis, double share, int seed)
    {
        var rng = new Random(seed);
        var plan = new PruningPlan();
        foreach (var g in analysis.PrunableGroups)
        {
            int remove = Math.Min(g.Width - 1, (int)Math.Round(g.Width * share));
            if (remove <= 0) continue;
            plan.Remove(g.Id, Enumerable.Range(0, g.Width).OrderBy(_ => rng.Next()).Take(remove));
        }
        return plan;
    }
}
