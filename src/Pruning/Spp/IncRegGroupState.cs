using Spp.Pruning.Checkpoints;

namespace Spp.Pruning.Spp;

/// <summary>What a checkpoint keeps of an <see cref="IncRegGroupState"/>.</summary>
public sealed record IncRegGroupSnapshot(double[] Lambda, double[] MeanRank, bool[] Pruned, long Updates);

/// <summary>
/// IncReg (spp-spec.md 6.3): per-unit regularisation factors λ that grow with the unit's running mean
/// rank by the SPP increment (A = A_reg); a unit whose λ reaches λ_target is retired. The gradient
/// of every weight element of a unit gets + λ_c * w on top of weight decay.
/// </summary>
public sealed class IncRegGroupState(int groupId, int width, int target)
{
    private double[] _lambda = new double[width];
    private double[] _meanRank = new double[width];
    private bool[] _pruned = new bool[width];
    private long _updates;

    public int GroupId { get; } = groupId;
    public int Width { get; } = width;
    public int Target { get; } = target;
    public int PrunedCount { get; private set; }
    public bool Done => PrunedCount >= Target;
    public IReadOnlyList<double> Lambda => _lambda;
    public bool IsPruned(int unit) => _pruned[unit];
    public IEnumerable<int> Pruned => Enumerable.Range(0, Width).Where(u => _pruned[u]);

    /// <summary>One update from current L1 importances; returns the units retired.</summary>
    public List<int> Update(IReadOnlyList<double> importance, double aReg, double lambdaTarget, double u = SppIncrement.DefaultU)
    {
        var retired = new List<int>();
        if (Done) return retired;
        _updates++;
        // Rank all units by L1, retired ones first (they are zero), then average ranks over time.
        var order = Enumerable.Range(0, Width).OrderBy(c => _pruned[c] ? 0 : 1).ThenBy(c => importance[c]).ThenBy(c => c).ToList();
        for (int r = 0; r < order.Count; r++)
            _meanRank[order[r]] = ((_updates - 1) * _meanRank[order[r]] + r) / _updates;
        var alive = Enumerable.Range(0, Width).Where(c => !_pruned[c]).OrderBy(c => _meanRank[c]).ThenBy(c => c).ToList();
        int n = Target - PrunedCount;
        for (int r = 0; r < alive.Count; r++)
        {
            int c = alive[r];
            _lambda[c] = Math.Max(_lambda[c] + SppIncrement.Delta(r, n, aReg, u), 0);
        }
        foreach (int c in alive.Where(c => _lambda[c] >= lambdaTarget).OrderByDescending(c => _lambda[c]).ThenBy(c => c))
        {
            if (PrunedCount >= Target) break;
            _pruned[c] = true;
            PrunedCount++;
            retired.Add(c);
        }
        return retired;
    }

    /// <summary>FINALIZE with λ in place of p.</summary>
    public List<int> Finalize(IReadOnlyList<double> importance)
    {
        var chosen = Enumerable.Range(0, Width).Where(c => !_pruned[c])
            .OrderByDescending(c => _lambda[c]).ThenBy(c => importance[c]).ThenBy(c => c).Take(Target - PrunedCount).ToList();
        foreach (int c in chosen)
        {
            _pruned[c] = true;
            PrunedCount++;
        }
        return chosen;
    }

    public IncRegGroupSnapshot Snapshot() => new((double[])_lambda.Clone(), (double[])_meanRank.Clone(), (bool[])_pruned.Clone(), _updates);

    public void Restore(IncRegGroupSnapshot s)
    {
        if (s.Lambda.Length != Width || s.MeanRank.Length != Width || s.Pruned.Length != Width)
            throw new CheckpointFormatException($"does not fit the model (group {GroupId} has {Width} units)");
        _lambda = (double[])s.Lambda.Clone();
        _meanRank = (double[])s.MeanRank.Clone();
        _pruned = (bool[])s.Pruned.Clone();
        _updates = s.Updates;
        PrunedCount = _pruned.Count(x => x);
    }
}
