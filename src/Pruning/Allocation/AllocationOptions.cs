namespace Spp.Pruning.Allocation;

/// <summary>Settings of the speedup-to-width allocation (spp-spec.md section 4). <see cref="Ratio"/>
/// (share of each group's channels removed) replaces the MAC target when set; <see cref="Overrides"/>
/// pin the kept units of named groups and the other groups share the rest.</summary>
public sealed record AllocationOptions(double Speedup, double MinKeep = 0.1, int RoundTo = 1)
{
    public double? Ratio { get; init; }
    public IReadOnlyList<GroupOverride> Overrides { get; init; } = [];

    public void Validate()
    {
        if (!(Speedup >= 1) || double.IsInfinity(Speedup)) throw new ArgumentException($"speedup {Speedup} must be a finite number >= 1");
        if (!(MinKeep > 0 && MinKeep <= 1)) throw new ArgumentException($"minimum kept share {MinKeep} must be in (0, 1]");
        if (RoundTo < 1) throw new ArgumentException($"round-to {RoundTo} must be >= 1");
        if (Ratio is double r && !(r >= 0 && r < 1)) throw new ArgumentException($"ratio {r} must be in [0, 1)");
    }
}
