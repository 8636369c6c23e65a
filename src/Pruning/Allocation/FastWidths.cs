namespace Spp.Pruning.Allocation;

/// <summary>
/// Which widths of a group are worth having, from measured costs: the lower envelope of cost over
/// width, kept only where it pays. A width is kept only when it is cheaper than every wider width
/// measured, and measurably cheaper than those at least <see cref="NearChannels"/> wider (by more
/// than <c>tolerance</c>, a share of that wider cost, so that timing noise does not make a width
/// look fast), and cheaper in proportion to the channels it gives up:
/// at least <c>payoff</c> times the share of width removed (20 of 32 channels that run 2% faster
/// than 32 cost 37% of the MACs there for nothing; the MAC budget is better spent on widths that
/// buy time). Otherwise a wider width runs about as fast and keeps more channels. A width is judged only when the widths just above it were measured too (<c>lookahead</c>
/// of them, or all up to the full width): at the top of a measured range the wider widths that beat
/// it are not known. Widths below the narrowest one measured are not known either and follow the
/// plain ladder (multiples of the rounding); widths between measured ones and above the widest one
/// measured (short of the full width) are left out.
/// </summary>
public static class FastWidths
{
    public const double DefaultTolerance = 0.05;
    /// <summary>Time saved per share of width removed, at least: half. Cut-outs carry fixed costs
    /// (their neighbours' layout conversions, element-wise ops) that no width removes, so even a
    /// width that drops a whole block of channels saves less than its share.</summary>
    public const double DefaultPayoff = 0.5;
    /// <summary>Widths above a width that must have been measured to judge it: one block of the
    /// widest blocked layouts seen (16 channels for AVX-512 convolutions).</summary>
    public const int DefaultLookahead = 16;
    /// <summary>Wider widths closer than this are compared without the tolerance and the payoff: the
    /// width need only run faster. Where a convolution's cost falls smoothly with its channels (below
    /// one 16-channel block, ONNX Runtime runs NCHW kernels: about 2-4% per channel), no width runs 5%
    /// faster than the next one up, so under the tolerance alone a few widths passed by noise and the
    /// ladder left gaps (resnet20's 16-channel stream at batch 64: 4 and 16 only, so 4x took it to 4
    /// channels); from four channels up the tolerance and the payoff apply as before. Above 32
    /// channels widths are measured every 4 or more (<see cref="FastWidthAllocator.GridStep"/>), so
    /// this only concerns the narrow ones.</summary>
    public const int NearChannels = 4;

    /// <summary>The measured widths on the envelope, ascending.</summary>
    public static IReadOnlyList<int> Envelope(int width, IReadOnlyDictionary<int, double> costs, int roundTo = 1,
        double tolerance = DefaultTolerance, int lookahead = DefaultLookahead, double payoff = DefaultPayoff)
    {
        if (tolerance is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(tolerance), "tolerance must be in [0, 1)");
        if (payoff is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(payoff), "payoff must be in [0, 1]");
        var usable = Usable(width, costs, roundTo).ToDictionary();
        var fast = new List<int>();
        var wider = new List<(int Width, double Cost)>();
        foreach (var (w, cost) in usable.OrderByDescending(kv => kv.Key))
        {
            if (Judged(w, width, usable, lookahead)
                && wider.All(o => o.Width - w < NearChannels ? cost < o.Cost : Pays(w, cost, o.Width, o.Cost, tolerance, payoff))) fast.Add(w);
            wider.Add((w, cost));
        }
        fast.Reverse();
        return fast;
    }

    /// <summary>Width <paramref name="w"/> is worth having next to the wider <paramref name="wider"/>.</summary>
    public static bool Pays(int w, double cost, int wider, double widerCost, double tolerance = DefaultTolerance, double payoff = DefaultPayoff) =>
        cost < widerCost * Math.Min(1 - tolerance, 1 - payoff * (1 - (double)w / wider));

    /// <summary>The full width, or a width at most <paramref name="lookahead"/> wider was measured
    /// (a lookahead of 0 judges every width).</summary>
    private static bool Judged(int w, int width, Dictionary<int, double> usable, int lookahead) =>
        lookahead <= 0 || w == width || usable.Keys.Any(v => v > w && v <= w + lookahead);

    /// <param name="below">which plain widths below the narrowest fast one join the ladder, for a
    /// target that fast widths cannot reach (<see cref="BelowFastest"/>)</param>
    public static WidthLadder Ladder(int width, IReadOnlyDictionary<int, double> costs, int roundTo = 1, double tolerance = DefaultTolerance,
        BelowFastest below = BelowFastest.None, int lookahead = DefaultLookahead, double payoff = DefaultPayoff)
    {
        var plain = WidthLadder.Multiples(width, roundTo);
        var usable = Usable(width, costs, roundTo).ToDictionary();
        if (usable.Count == 0) return plain;
        var fast = Envelope(width, costs, roundTo, tolerance, lookahead, payoff);
        int narrowestMeasured = usable.Keys.Min();
        if (below == BelowFastest.None) return new WidthLadder(width, fast.Concat(plain.Rungs.Where(w => w < narrowestMeasured)));
        int fastest = fast.DefaultIfEmpty(width).Min();
        var under = plain.Rungs.Where(w => w < fastest);
        if (below == BelowFastest.Undominated)
            under = under.Where(w => w < narrowestMeasured || (usable.TryGetValue(w, out double c) && usable.All(o => o.Key <= w || c < o.Value)));
        return new WidthLadder(width, fast.Concat(under));
    }

    private static IEnumerable<KeyValuePair<int, double>> Usable(int width, IReadOnlyDictionary<int, double> costs, int roundTo) =>
        costs.Where(kv => kv.Key >= 1 && kv.Key <= width && (kv.Key % roundTo == 0 || kv.Key == width));
}

/// <summary>The plain widths below a group's narrowest fast width that its ladder may take, when
/// the fast widths cannot reach the MAC target.</summary>
public enum BelowFastest
{
    /// <summary>None that was measured (only those below the measured range, which are not known).</summary>
    None,
    /// <summary>Those measured cheaper than every wider width measured, and those below the measured
    /// range: never a width that runs slower than a wider one (issue 7). A 32-channel group whose
    /// 16 channels run in whole blocks may go to 8, but not to 15, which runs slower than 16.</summary>
    Undominated,
    /// <summary>Every plain width: the last resort, when even that cannot reach the target (a
    /// cost that no narrower width lowers).</summary>
    Any,
}
