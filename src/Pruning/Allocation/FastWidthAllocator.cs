using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// The speedup allocation in widths the runtime runs fast (issue 7: MACs fall, latency must too).
/// First the plain allocation says roughly where each group lands; the latency model then measures
/// every width from <see cref="Window"/> below that to twice as far above (the widths above a
/// width are what judges it, <see cref="FastWidths"/>), each group's ladder becomes its fast widths
/// (<see cref="FastWidths"/>), and the allocation runs again on those ladders, so its bisection,
/// give-back and trades work in fast widths only and the MAC target holds as before. Where a group
/// lands near the edges of what was measured, the range grows and the allocation runs again.
/// <para>When the MAC target cannot be reached in fast widths at all (a 16-channel group whose
/// narrower widths all run as slowly as 16), groups may go below their narrowest fast width, in any
/// width: there is nothing faster to give there. <see cref="BelowFast"/> names them.</para>
/// </summary>
public sealed class FastWidthAllocator(UniformAllocator allocator, IWidthCost cost, double tolerance = FastWidths.DefaultTolerance)
{
    /// <summary>Widths measured on each side of a group's expected width.</summary>
    public const int Window = 16;
    public const int MaxRounds = 6;

    private readonly Dictionary<int, Dictionary<int, double>> _costs = new();

    /// <summary>The ladders of the last allocation, by group id.</summary>
    public IReadOnlyDictionary<int, WidthLadder> Ladders { get; private set; } = new Dictionary<int, WidthLadder>();

    /// <summary>Measured costs so far (relative to the full width), by group id and width.</summary>
    public IReadOnlyDictionary<int, Dictionary<int, double>> Costs => _costs;

    /// <summary>Groups of the last allocation given a width below every fast width measured for them.</summary>
    public IReadOnlyList<int> BelowFast { get; private set; } = [];

    private int _roundTo = 1;

    /// <summary>The widths measured fast for a group (the envelope, without the widths below it
    /// that an unreachable target opened).</summary>
    public IReadOnlyList<int> FastOf(int group) =>
        _costs.TryGetValue(group, out var c) ? FastWidths.Envelope(allocator.Groups.First(g => g.Id == group).Width, c, _roundTo, tolerance) : [];

    public WidthAllocation Allocate(AllocationOptions o)
    {
        _roundTo = o.RoundTo;
        var plain = allocator.Allocate(o);
        var pinned = GroupOverride.Resolve(o.Overrides, allocator.Analysis);
        var groups = allocator.Groups.Where(g => !pinned.ContainsKey(g.Id)).ToList();
        var ranges = groups.ToDictionary(g => g.Id, g =>
            (Lo: Math.Max(UniformAllocator.MinKept(g.Width, o), plain.Kept[g.Id] - Window), Hi: Math.Min(g.Width, plain.Kept[g.Id] + 2 * Window)));
        var allocation = plain;
        BelowFast = [];
        for (int round = 0; round < MaxRounds; round++)
        {
            foreach (var g in groups)
            {
                var (lo, hi) = ranges[g.Id];
                if (!_costs.TryGetValue(g.Id, out var known)) _costs[g.Id] = known = new();
                var wanted = Enumerable.Range(lo, hi - lo + 1).Where(w => w % o.RoundTo == 0).Append(g.Width).Distinct().Where(w => !known.ContainsKey(w)).ToList();
                if (wanted.Count > 0)
                    foreach (var (w, c) in cost.Costs(g, wanted)) known[w] = c;
            }
            allocation = AllocateOnLadders(o, groups);

            bool grown = false;
            foreach (var g in groups)
            {
                var (lo, hi) = ranges[g.Id];
                int k = allocation.Kept[g.Id], min = UniformAllocator.MinKept(g.Width, o);
                // Close to (or below) the narrowest width measured: narrower fast widths may exist.
                if (lo > min && k - lo < Window / 2) { lo = Math.Max(min, Math.Min(lo, k) - Window); grown = true; }
                // Near the top of what was measured (or rounded up past it to the full width): the
                // widths there were not judged, and wider ones may be needed.
                if (hi < g.Width && k > hi - 2 * Window + Window / 2) { hi = Math.Min(g.Width, Math.Max(hi, k) + 2 * Window); grown = true; }
                ranges[g.Id] = (lo, hi);
            }
            if (!grown) break;
        }
        return allocation;
    }

    private WidthAllocation AllocateOnLadders(AllocationOptions o, List<ChannelGroup> groups)
    {
        BelowFast = [];
        Ladders = groups.ToDictionary(g => g.Id, g => FastWidths.Ladder(g.Width, _costs[g.Id], o.RoundTo, tolerance));
        try
        {
            return allocator.Allocate(o, Ladders);
        }
        catch (UnreachableSpeedupException)
        {
            Ladders = groups.ToDictionary(g => g.Id, g => FastWidths.Ladder(g.Width, _costs[g.Id], o.RoundTo, tolerance, anyBelowFastest: true));
            var allocation = allocator.Allocate(o, Ladders);
            BelowFast = groups.Where(g => allocation.Kept[g.Id] < FastOf(g.Id).DefaultIfEmpty(0).Min()).Select(g => g.Id).ToList();
            return allocation;
        }
    }
}
