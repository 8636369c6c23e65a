namespace Spp.Pruning.Spp;

/// <summary>
/// The SPP increment function (spp-spec.md 2.1, the authors' Caffe form): for a group with n units
/// still to prune, the unit of rank r (0 = least important among the alive units) gains Δ(r) in
/// pruning probability. Δ(0) = A, Δ(N_c) = uA, Δ(n) = 0, strictly decreasing, point-symmetric about
/// (N_c, uA); only units ranked below n gain, so at most n units reach p = 1 per update.
/// </summary>
public static class SppIncrement
{
    public const double DefaultA = 0.05;
    public const double DefaultU = 0.25;

    public static double Delta(double r, int n, double a = DefaultA, double u = DefaultU)
    {
        if (n <= 0) return 0;
        double alpha = Math.Log(2 / u) / n;
        double nc = -Math.Log(u) / alpha;
        double d;
        if (r <= nc)
        {
            d = a * Math.Exp(-alpha * r);
        }
        else
        {
            // 2uA - A e^(-α(2N_c - r)), evaluated as 2uA - A e^(α(r - 2N_c)); far past the zero
            // crossing the value only needs to be negative (p clamps to 0), so avoid overflow.
            double e = alpha * (r - 2 * nc);
            d = e > Math.Log((1 + 2 * u * a) / a) ? -1 : 2 * u * a - a * Math.Exp(e);
        }
        return r >= n ? Math.Min(d, 0) : d;
    }
}
