namespace Spp.Pruning.Spp;

/// <summary>The step budget of SPP (spp-spec.md 5): a share of the epochs' steps for SPP (half by default), the update
/// interval t from the planning estimate K_est = ceil((2 + ln N_max) / A) updates, K_max = 2 K_est.</summary>
public sealed record SppSchedule(long SppSteps, int Interval, int EstimatedUpdates, int MaxUpdates)
{
    public static SppSchedule For(double epochs, long stepsPerEpoch, int widestGroup, double a = SppIncrement.DefaultA, int? interval = null, double share = 0.5)
    {
        long sppSteps = (long)Math.Floor(share * epochs * stepsPerEpoch);
        int kEst = (int)Math.Ceiling((2 + Math.Log(Math.Max(1, widestGroup))) / a);
        int t = interval ?? (int)Math.Max(1, sppSteps / kEst);
        return new SppSchedule(sppSteps, t, kEst, 2 * kEst);
    }
}
