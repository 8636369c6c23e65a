namespace Spp.Pruning.Allocation;

/// <summary>
/// The widths one group may be given, ascending, ending at its full width: the rungs the allocator
/// rounds up to and steps through when it gives units back. <c>--round-to Q</c> gives multiples of
/// Q; the latency model gives the widths that no wider measured width runs as fast
/// (<see cref="FastWidths"/>).
/// </summary>
public sealed class WidthLadder
{
    private readonly int[] _rungs;

    public WidthLadder(int width, IEnumerable<int> rungs)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), "width must be >= 1");
        _rungs = rungs.Where(w => w >= 1 && w < width).Append(width).Distinct().Order().ToArray();
    }

    public int Width => _rungs[^1];
    public IReadOnlyList<int> Rungs => _rungs;

    /// <summary>Multiples of <paramref name="q"/> below the width, and the width.</summary>
    public static WidthLadder Multiples(int width, int q)
    {
        if (q < 1) throw new ArgumentOutOfRangeException(nameof(q), "q must be >= 1");
        return new(width, Enumerable.Range(1, Math.Max(0, (width - 1) / q)).Select(i => i * q));
    }

    /// <summary>The narrowest rung of at least <paramref name="k"/> units (the width when k exceeds it).</summary>
    public int AtLeast(int k)
    {
        int i = Array.BinarySearch(_rungs, k);
        return i >= 0 ? _rungs[i] : ~i < _rungs.Length ? _rungs[~i] : Width;
    }

    /// <summary>The next rung above <paramref name="k"/>, or null at the top.</summary>
    public int? Above(int k)
    {
        int i = Array.BinarySearch(_rungs, k + 1);
        int at = i >= 0 ? i : ~i;
        return at < _rungs.Length ? _rungs[at] : null;
    }

    /// <summary>The next rung below <paramref name="k"/>, or null at the bottom.</summary>
    public int? Below(int k)
    {
        int i = Array.BinarySearch(_rungs, k);
        int at = (i >= 0 ? i : ~i) - 1;
        return at >= 0 ? _rungs[at] : null;
    }

    public override string ToString() => _rungs.Length <= 12 ? string.Join(",", _rungs) : $"{string.Join(",", _rungs.Take(6))},...,{string.Join(",", _rungs[^6..])}";
}
