using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// spp-spec.md section 4: one removal ratio for every prunable group, found by bisection so that the
/// MACs fall to the original's divided by the speedup, with a minimum kept share per group and
/// widths rounded up to a multiple. Then [sppc] units are given back greedily, cheapest first, while
/// the target still holds, so that the discrete widths land close to the target instead of past it.
/// Widths are rungs of each group's <see cref="WidthLadder"/>: multiples of <c>--round-to</c>, or the
/// widths the latency model found fast (<see cref="FastWidthAllocator"/>).
/// </summary>
public sealed class UniformAllocator
{
    private readonly ChannelAnalysis _analysis;
    private readonly List<ChannelGroup> _groups;
    private readonly IReadOnlyDictionary<Node, long?> _baseMacs;
    private readonly Dictionary<int, List<(string Value, int PerUnit)>> _footprint;

    public double OriginalMacs { get; }
    private Dictionary<int, int> _fixed = new();
    private Dictionary<int, WidthLadder> _ladders = new();

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

    public IReadOnlyList<ChannelGroup> Groups => _groups;
    public ChannelAnalysis Analysis => _analysis;

    /// <param name="ladders">each group's allowed widths (default: multiples of the rounding)</param>
    public WidthAllocation Allocate(AllocationOptions o, IReadOnlyDictionary<int, WidthLadder>? ladders = null)
    {
        o.Validate();
        if (_groups.Count == 0) throw new UnreachableSpeedupException("the model has no prunable channels", 1);
        _fixed = GroupOverride.Resolve(o.Overrides, _analysis);
        _ladders = _groups.ToDictionary(g => g.Id, g => ladders?.GetValueOrDefault(g.Id) ?? WidthLadder.Multiples(g.Width, o.RoundTo));
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
        GiveBack(kept, target);
        Trade(kept, target, o);
        int? filler = Fill(kept, target, o);
        return new WidthAllocation(kept, hi, MacsFor(kept), OriginalMacs) { OffLadder = filler };
    }

    /// <summary>The MAC speedup may exceed the target by this share at most (README: "hitting the MAC
    /// target within 3%").</summary>
    public const double Overshoot = 0.03;

    /// <summary>Last resort when rungs are too coarse for any trade to land within
    /// <see cref="Overshoot"/> of the target: one group takes a width between its rungs, unit by
    /// unit up to the target, the group that lands closest; widths on the coarsest grain that lands
    /// within the 3% are preferred (multiples of 16, then 8, 4, 2, 1: runtimes favour them).
    /// Returns that group, or null when the widths were close enough.</summary>
    private int? Fill(Dictionary<int, int> kept, double target, AllocationOptions o)
    {
        if (MacsFor(kept) * (1 + Overshoot) >= target) return null;
        (int Group, int Width, double Macs)? best = null;
        foreach (int grain in new[] { 16, 8, 4, 2, 1 }.Select(g => g % o.RoundTo == 0 ? g : g * o.RoundTo).Distinct())
        {
            foreach (var g in _groups.Where(g => !_fixed.ContainsKey(g.Id)))
            {
                int k = kept[g.Id], w = k;
                var grid = WidthLadder.Multiples(g.Width, grain);
                while (grid.Above(w) is int next)
                {
                    kept[g.Id] = next;
                    if (MacsFor(kept) > target) break;
                    w = next;
                }
                kept[g.Id] = w;
                double macs = MacsFor(kept);
                kept[g.Id] = k;
                if (w != k && (best is null || macs > best.Value.Macs)) best = (g.Id, w, macs);
            }
            if (best is { } b && b.Macs * (1 + Overshoot) >= target) break;
        }
        if (best is not { } chosen) return null;
        kept[chosen.Group] = chosen.Width;
        return chosen.Group;
    }

    private Dictionary<int, int> KeptAt(double ratio, AllocationOptions o) =>
        _groups.ToDictionary(g => g.Id, g => _fixed.TryGetValue(g.Id, out int keep) ? keep : _ladders[g.Id].AtLeast(UnroundedWidth(g.Width, ratio, o)));

    public static int MinKept(int width, AllocationOptions o) => Math.Max(1, (int)Math.Ceiling(o.MinKeep * width - 1e-9));

    /// <summary>spp-spec 4 step 3 before rounding: the width left by removing the ratio's share.</summary>
    public static int UnroundedWidth(int width, double ratio, AllocationOptions o) =>
        Math.Max(MinKept(width, o), width - (int)Math.Floor(ratio * width + 1e-9));

    /// <summary>How far below the target trading stops: far inside the 3% the MAC speedup may exceed it by.</summary>
    private const double CloseEnough = 0.005;

    /// <summary>When rungs are coarse (fast widths are often multiples of 16) no single rung fits in
    /// what is left of the target, and the MACs can stay well below it. Then one group goes a rung
    /// up while another goes a rung down, the pair that comes closest to the target without
    /// passing it, until no pair gets closer; each trade is followed by another give-back. Trades
    /// fine-tune, they must not gut one group: a rung down may not take a group below half its
    /// current width, nor remove a larger share of it than the most any group had lost before the
    /// trades (one trade after another once took resnet20's first-stage stream from 7 to 6 of 16
    /// channels at 4x, to give a last-stage group 48 of 64).</summary>
    private void Trade(Dictionary<int, int> kept, double target, AllocationOptions o)
    {
        var free = _groups.Where(g => !_fixed.ContainsKey(g.Id)).ToList();
        if (free.Count == 0) return;
        double mostRemoved = free.Max(g => 1 - (double)kept[g.Id] / g.Width);
        double current = MacsFor(kept);
        for (int round = 0; round < 4 * free.Count && current < target * (1 - CloseEnough); round++)
        {
            (int Up, int UpTo, int Down, int DownTo)? best = null;
            double bestMacs = current;
            foreach (var up in free)
            {
                if (_ladders[up.Id].Above(kept[up.Id]) is not int upTo) continue;
                foreach (var down in free)
                {
                    if (down == up || _ladders[down.Id].Below(kept[down.Id]) is not int downTo || downTo < MinKept(down.Width, o)
                        || downTo < kept[down.Id] / 2 || 1 - (double)downTo / down.Width > mostRemoved + 1e-9) continue;
                    var (ku, kd) = (kept[up.Id], kept[down.Id]);
                    (kept[up.Id], kept[down.Id]) = (upTo, downTo);
                    double macs = MacsFor(kept);
                    (kept[up.Id], kept[down.Id]) = (ku, kd);
                    if (macs <= target && macs > bestMacs * (1 + 1e-9)) (best, bestMacs) = ((up.Id, upTo, down.Id, downTo), macs);
                }
            }
            if (best is not { } t) return;
            (kept[t.Up], kept[t.Down]) = (t.UpTo, t.DownTo);
            GiveBack(kept, target);
            current = MacsFor(kept);
        }
    }

    /// <summary>Adds units back, a rung at a time, to the group that has lost the largest
    /// share of its width (ties: the cheaper step), while the MACs stay within the target: the
    /// widths stay as uniform as the discrete steps allow.</summary>
    private void GiveBack(Dictionary<int, int> kept, double target)
    {
        var blocked = new HashSet<int>();
        while (true)
        {
            ChannelGroup? best = null;
            double bestShare = -1, bestCost = double.MaxValue;
            foreach (var g in _groups)
            {
                int k = kept[g.Id];
                if (blocked.Contains(g.Id) || _fixed.ContainsKey(g.Id) || _ladders[g.Id].Above(k) is not int next) continue;
                double share = 1 - (double)k / g.Width;
                kept[g.Id] = next;
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
            if (bestCost <= target) kept[best.Id] = _ladders[best.Id].Above(kept[best.Id])!.Value;
            else blocked.Add(best.Id);
        }
    }
}
