namespace Spp.Pruning.Spp;

/// <summary>The step plan of SPP (spp-spec.md 5) within the pruning phase's step budget (which the job
/// sets): the update interval t from the planning estimate K_est = ceil((2 + ln N_max) / A) updates,
/// K_max = 2 K_est.</summary>
public sealed record SppSchedule(int Interval, int MaxUpdates)
{
    public static SppSchedule For(long sppSteps, int widestGroup, double a = SppIncrement.DefaultA, int? interval = null)
    {
        int kEst = (int)Math.Ceiling((2 + Math.Log(Math.Max(1, widestGroup))) / a);
        int t = interval ?? (int)Math.Max(1, sppSteps / kEst);
        return new SppSchedule(t, 2 * kEst);
    }
}
