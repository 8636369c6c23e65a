using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// spp-spec.md section 4: one removal ratio for every prunable group, found by bisection so that the
/// MACs fall to the original's divided by the speedup, with a minimum kept share per group and
/// widths rounded up to a multiple. Then [sppc] units are given back greedily, cheapest first, while
/// the target still holds, so that the discrete widths land close to the target instead of past it.
/// </summary>
public sealed class UniformAllocator
{
    private readonly ChannelAnalysis _analysis;
    private readonly List<ChannelGroup> _groups;
    private readonly IReadOnlyDictionary<Node, long?> _baseMacs;
    private readonly Dictionary<int, List<(string Value, int PerUnit)>> _footprint;

    public double OriginalMacs { get; }
    private Dictionary<int, int> _fixed = new();

    public UniformAllocator(ChannelAnalysis analysis)
    {
        _analysis = analysis;
        _groups = analysis.PrunableGroups.ToList();
        _baseMacs = MacCount.PerNode(analysis.Graph, analysis.Types, analysis.Opset);
        OriginalMacs = _baseMacs.Values.Sum(v => v ?? 0);
        _footprint = _groups.ToDictionary(g => g.Id, g => g.Values.Select(v => (v, g.SlotsPerUnit(v))).ToList());
    }

    /// <summary>MACs per sample when each group keeps <paramref name="kept"/> units.</summary>
    public double MacsFor(IReadOnlyDictionary<int, int> kept)
    {
        var widths = new Dictionary<string, long>();
        foreach (var g in _groups)
        {
            int removed = g.Width - kept.GetValueOrDefault(g.Id, g.Width);
            if (removed == 0) continue;
            foreach (var (v, per) in _footprint[g.Id])
                widths[v] = widths.GetValueOrDefault(v, _analysis.Slots.Width(v)) - (long)removed * per;
        }
        return GroupMacs.After(_analysis, widths, _baseMacs);
    }

    public WidthAllocation Allocate(AllocationOptions o)
    {
        o.Validate();
        if (_groups.Count == 0) throw new UnreachableSpeedupException("the model has no prunable channels", 1);
        _fixed = GroupOverride.Resolve(o.Overrides, _analysis);
        if (o.Ratio is double ratio)
        {
            var atRatio = KeptAt(ratio, o);
            return new WidthAllocation(atRatio, ratio, MacsFor(atRatio), OriginalMacs);
        }
        double target = OriginalMacs / o.Speedup;
        if (o.Speedup == 1) return new WidthAllocation(_groups.ToDictionary(g => g.Id, g => g.Width), 0, OriginalMacs, OriginalMacs);

        var atMax = KeptAt(1, o);
        double macsAtMax = MacsFor(atMax);
        if (macsAtMax > target * (1 + 1e-12))
            throw new UnreachableSpeedupException(
                $"speedup {o.Speedup:0.###}x is not reachable: with every prunable group at its minimum width the MACs fall {OriginalMacs / macsAtMax:0.###}x",
                OriginalMacs / macsAtMax);

        double lo = 0, hi = 1;
        for (int i = 0; i < 60 && hi - lo >= 1e-7; i++)
        {
            double mid = (lo + hi) / 2;
            if (MacsFor(KeptAt(mid, o)) <= target) hi = mid; else lo = mid;
        }
        var kept = KeptAt(hi, o);
        GiveBack(kept, o, target);
        return new WidthAllocation(kept, hi, MacsFor(kept), OriginalMacs);
    }

    private Dictionary<int, int> KeptAt(double ratio, AllocationOptions o) =>
        _groups.ToDictionary(g => g.Id, g => _fixed.TryGetValue(g.Id, out int keep) ? keep : KeptWidth(g.Width, ratio, o));

    public static int MinKept(int width, AllocationOptions o) => Math.Max(1, (int)Math.Ceiling(o.MinKeep * width - 1e-9));

    public static int KeptWidth(int width, double ratio, AllocationOptions o)
    {
        int k = Math.Max(MinKept(width, o), width - (int)Math.Floor(ratio * width + 1e-9));
        return RoundUp(k, width, o.RoundTo);
    }

    private static int RoundUp(int k, int width, int q) => Math.Min(width, (k + q - 1) / q * q);

    /// <summary>Adds units back, a rounding step at a time, to the group that has lost the largest
    /// share of its width (ties: the cheaper step), while the MACs stay within the target: the
    /// widths stay as uniform as the discrete steps allow.</summary>
    private void GiveBack(Dictionary<int, int> kept, AllocationOptions o, double target)
    {
        var blocked = new HashSet<int>();
        while (true)
        {
            ChannelGroup? best = null;
            double bestShare = -1, bestCost = double.MaxValue;
            foreach (var g in _groups)
            {
                int k = kept[g.Id];
                if (blocked.Contains(g.Id) || _fixed.ContainsKey(g.Id) || RoundUp(k + 1, g.Width, o.RoundTo) <= k) continue;
                double share = 1 - (double)k / g.Width;
                kept[g.Id] = RoundUp(k + 1, g.Width, o.RoundTo);
                double cost = MacsFor(kept);
                kept[g.Id] = k;
                if (share > bestShare + 1e-12 || (Math.Abs(share - bestShare) <= 1e-12 && cost < bestCost))
                {
                    best = g;
                    bestShare = share;
                    bestCost = cost;
                }
            }
            if (best is null) return;
            if (bestCost <= target) kept[best.Id] = RoundUp(kept[best.Id] + 1, best.Width, o.RoundTo);
            else blocked.Add(best.Id);
        }
    }
}
