using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// The speedup allocation in widths the runtime runs fast (issue 7: MACs fall, latency must too).
/// The latency model first measures each group on a grid over its whole range (every
/// <see cref="GridStep"/> channels from the minimum kept width to the full width), each group's
/// ladder becomes its fast widths (<see cref="FastWidths"/>), and the allocation runs on those
/// ladders, so its bisection, give-back and trades work in fast widths only and the MAC target holds
/// as before. Then every width within a grid step of where each group landed is measured too (a
/// width off the grid may be the faster one) and the allocation runs again, until it lands on
/// measured ground.
/// <para>When fast widths cannot reach the MAC target, the ladders relax in two steps: first any
/// width that no wider one runs as fast (the payoff rule dropped), then, for groups that must go
/// below all of those (a 16-channel group whose narrower widths all run about as slowly as 16),
/// any narrower width: there is nothing faster to give. <see cref="BelowFast"/> names them.</para>
/// </summary>
public sealed class FastWidthAllocator(UniformAllocator allocator, IWidthCost cost, double tolerance = FastWidths.DefaultTolerance,
    double payoff = FastWidths.DefaultPayoff)
{
    public const int MaxRounds = 4;

    private readonly Dictionary<int, Dictionary<int, double>> _costs = new();
    private int _roundTo = 1;
    private double? _usedPayoff;

    /// <summary>Channels between measured widths on the first, coarse pass: fine enough to see the
    /// blocks of 8 or 16 channels that CPU kernels work in, coarse enough to keep wide groups cheap.</summary>
    public static int GridStep(int width) => width <= 128 ? 4 : width <= 512 ? 8 : 16;

    /// <summary>The ladders of the last allocation, by group id.</summary>
    public IReadOnlyDictionary<int, WidthLadder> Ladders { get; private set; } = new Dictionary<int, WidthLadder>();

    /// <summary>Measured costs so far (relative to the full width), by group id and width.</summary>
    public IReadOnlyDictionary<int, Dictionary<int, double>> Costs => _costs;

    /// <summary>Groups of the last allocation given a width below every fast width measured for them.</summary>
    public IReadOnlyList<int> BelowFast { get; private set; } = [];

    /// <summary>The widths measured fast for a group under the rule the last allocation used.</summary>
    public IReadOnlyList<int> FastOf(int group) =>
        _costs.TryGetValue(group, out var c) ? FastWidths.Envelope(Width(group), c, _roundTo, tolerance, payoff: _usedPayoff ?? payoff) : [];

    public WidthAllocation Allocate(AllocationOptions o)
    {
        allocator.Allocate(o); // the plain allocation's errors (unreachable, bad overrides) come first
        _roundTo = o.RoundTo;
        var pinned = GroupOverride.Resolve(o.Overrides, allocator.Analysis);
        var groups = allocator.Groups.Where(g => !pinned.ContainsKey(g.Id)).ToList();
        var wanted = groups.ToDictionary(g => g.Id, g => Grid(g.Width, UniformAllocator.MinKept(g.Width, o)));
        WidthAllocation allocation = null!;
        for (int round = 0; round < MaxRounds; round++)
        {
            foreach (var g in groups)
            {
                if (!_costs.TryGetValue(g.Id, out var known)) _costs[g.Id] = known = new();
                var missing = wanted[g.Id].Where(w => (w % o.RoundTo == 0 || w == g.Width) && !known.ContainsKey(w)).ToList();
                if (missing.Count > 0)
                    foreach (var (w, c) in cost.Costs(g, missing)) known[w] = c;
            }
            allocation = AllocateOnLadders(o, groups);

            // Widths off the grid next to where each group landed.
            bool more = false;
            foreach (var g in groups)
            {
                int k = allocation.Kept[g.Id], step = GridStep(g.Width), min = UniformAllocator.MinKept(g.Width, o);
                wanted[g.Id] = Enumerable.Range(Math.Max(min, k - step), Math.Min(g.Width, k + step) - Math.Max(min, k - step) + 1).ToList();
                more |= wanted[g.Id].Any(w => (w % o.RoundTo == 0 || w == g.Width) && !_costs[g.Id].ContainsKey(w));
            }
            if (!more) break;
        }
        return allocation;
    }

    /// <summary>Every grid step from the minimum width to the full width, and both ends.</summary>
    private static List<int> Grid(int width, int min)
    {
        int step = GridStep(width);
        return Enumerable.Range(1, width / step).Select(i => i * step).Where(w => w >= min).Append(min).Append(width).Distinct().Order().ToList();
    }

    private WidthAllocation AllocateOnLadders(AllocationOptions o, List<ChannelGroup> groups)
    {
        BelowFast = [];
        foreach (var (p, anyBelow) in new[] { (payoff, false), (0.0, false), (0.0, true) })
        {
            _usedPayoff = p;
            Ladders = groups.ToDictionary(g => g.Id, g => FastWidths.Ladder(g.Width, _costs[g.Id], o.RoundTo, tolerance, anyBelow, payoff: p));
            try
            {
                var allocation = allocator.Allocate(o, Ladders);
                if (anyBelow) BelowFast = groups.Where(g => allocation.Kept[g.Id] < FastOf(g.Id).DefaultIfEmpty(0).Min()).Select(g => g.Id).ToList();
                return allocation;
            }
            catch (UnreachableSpeedupException) when (!anyBelow)
            {
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    private int Width(int group) => allocator.Groups.First(g => g.Id == group).Width;
}
