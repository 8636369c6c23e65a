namespace Spp.Pruning.Allocation;

/// <summary>
/// <c>--target latency</c>: the least pruning whose measured latency speedup reaches the target.
/// Latency does not fall in proportion to MACs, so the search runs over the MAC speedup handed to
/// the allocator: it starts at the latency target, raises the MAC target in proportion to the
/// shortfall until a measured model is fast enough, then narrows the bracket between the last MAC
/// target that fell short and the first that did not (geometric bisection). Measuring is the
/// caller's (ONNX Runtime on the whole pruned model); a measurement is noisy, so the search returns
/// the best model that met the target, and the caller's final check can send it on from there.
/// </summary>
public sealed class LatencyTargetSearch(Func<double, WidthAllocation> allocate, Func<WidthAllocation, double> measure, double maxMacSpeedup)
{
    private double _max = maxMacSpeedup;

    /// <summary>One measured candidate.</summary>
    public sealed record Step(double MacTarget, WidthAllocation Allocation, double Measured);

    /// <summary>The bracket is narrow enough when its ends differ by this factor.</summary>
    public const double Resolution = 1.05;
    public const int MaxSteps = 8;
    /// <summary>Raising the MAC target aims this much past the shortfall, so that noise does not
    /// leave a candidate just short.</summary>
    private const double Overshoot = 1.03;
    /// <summary>A candidate counts as fast enough when it measured this much above the target: the
    /// written model is timed again afterwards, and a pick that only just made it would often
    /// measure short the second time.</summary>
    public const double Margin = 1.03;

    private readonly List<Step> _steps = [];
    public IReadOnlyList<Step> Steps => _steps;

    /// <param name="above">a MAC target known to fall short (1: no pruning)</param>
    /// <param name="measuredAbove">what was measured at <paramref name="above"/></param>
    public Step Find(double target, double above = 1, double measuredAbove = 1)
    {
        if (!(target > 1)) throw new ArgumentOutOfRangeException(nameof(target), "a latency target must be above 1");
        double lo = above;
        Step? hi = null;
        int first = _steps.Count;
        double m = above <= 1 ? Math.Min(target, _max) : Raise(above, measuredAbove, target);
        for (int i = 0; i < MaxSteps; i++)
        {
            var allocation = AllocateWithin(ref m);
            var step = new Step(m, allocation, measure(allocation));
            _steps.Add(step);
            if (step.Measured >= target * Margin) hi = hi is null || step.MacTarget < hi.MacTarget ? step : hi;
            else lo = Math.Max(lo, m);
            if (hi is null)
            {
                if (m >= _max * (1 - 1e-9)) break;
                m = Raise(m, step.Measured, target);
            }
            else
            {
                if (hi.MacTarget / lo <= Resolution) break;
                m = Math.Sqrt(lo * hi.MacTarget);
            }
        }
        if (hi is not null) return hi;
        // This call's candidates only: a search sent on after the written model measured short has
        // an earlier pick among its steps that measured fast once and then did not.
        var best = _steps.Skip(first).MaxBy(s => s.Measured)!;
        throw new UnreachableSpeedupException(
            $"latency speedup {target:0.###}x is not reachable: the fastest model measured ran {best.Measured:0.##}x faster (with {best.Allocation.PredictedSpeedup:0.##}x fewer MACs; the most pruning allowed is {_max:0.##}x)",
            best.Measured);
    }

    /// <summary>The allocation for MAC target <paramref name="m"/>, or for the largest reachable
    /// one when m is beyond it (fast widths can reach less than any widths).</summary>
    private WidthAllocation AllocateWithin(ref double m)
    {
        try
        {
            return allocate(m);
        }
        catch (UnreachableSpeedupException e) when (e.ReachableSpeedup > 1 && e.ReachableSpeedup < m)
        {
            _max = m = e.ReachableSpeedup * (1 - 1e-9);
            return allocate(m);
        }
    }

    private double Raise(double m, double measured, double target) =>
        Math.Min(_max, m * Math.Max(Resolution, target * Margin / Math.Max(measured, 1e-3) * Overshoot));
}
