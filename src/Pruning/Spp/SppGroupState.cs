using Spp.Pruning.Checkpoints;

namespace Spp.Pruning.Spp;

/// <summary>What a checkpoint keeps of an <see cref="SppGroupState"/>.</summary>
public sealed record SppGroupSnapshot(double[] P, bool[] Pruned, double[]? History);

/// <summary>
/// Pruning probabilities of one channel group (spp-spec.md 2.3, lines 5-11 and FINALIZE): p per
/// unit in float64, the permanently pruned set D, the target count P. Ranks are over alive units
/// only, and the increment uses the remaining count n = P - |D| (the authors' Caffe form).
/// </summary>
public sealed class SppGroupState
{
    private double[] _p;
    private bool[] _pruned;
    private double[]? _history;

    public SppGroupState(int groupId, int width, int target, int firstUnitId)
    {
        if (target < 0 || target >= width) throw new ArgumentOutOfRangeException(nameof(target), $"group {groupId}: cannot prune {target} of {width} units");
        GroupId = groupId;
        Width = width;
        Target = target;
        FirstUnitId = firstUnitId;
        _p = new double[width];
        _pruned = new bool[width];
    }

    public int GroupId { get; }
    public int Width { get; }
    /// <summary>P_g: units to remove.</summary>
    public int Target { get; }
    /// <summary>Global id of unit 0 (units of all groups numbered consecutively): keys the mask RNG.</summary>
    public int FirstUnitId { get; }
    public int PrunedCount { get; private set; }
    public bool Done => PrunedCount >= Target;
    public IReadOnlyList<double> Probabilities => _p;
    public bool IsPruned(int unit) => _pruned[unit];
    public IEnumerable<int> Pruned => Enumerable.Range(0, Width).Where(u => _pruned[u]);

    /// <summary>One probability update from importances s (lines 6-11). With emaDecay d > 0 the
    /// ranking uses hscore = d * hscore + s. Returns the units retired by this update.</summary>
    public List<int> Update(IReadOnlyList<double> importance, double a = SppIncrement.DefaultA, double u = SppIncrement.DefaultU, double emaDecay = 0)
    {
        var retired = new List<int>();
        if (Done) return retired;
        int n = Target - PrunedCount;
        var score = importance.ToArray();
        if (emaDecay > 0)
        {
            _history ??= new double[Width];
            for (int c = 0; c < Width; c++) score[c] = _history[c] = emaDecay * _history[c] + importance[c];
        }
        var alive = Enumerable.Range(0, Width).Where(c => !_pruned[c]).OrderBy(c => score[c]).ThenBy(c => c).ToList();
        for (int r = 0; r < alive.Count; r++)
        {
            int c = alive[r];
            _p[c] = Math.Clamp(_p[c] + SppIncrement.Delta(r, n, a, u), 0, 1);
        }
        // At most n units can reach 1 (Δ > 0 only below rank n); retire them, lowest rank first.
        foreach (int c in alive.Where(c => _p[c] >= 1))
        {
            if (PrunedCount >= Target) break;
            Retire(c);
            retired.Add(c);
        }
        return retired;
    }

    /// <summary>FINALIZE [sppc]: the n alive units with the largest p are pruned (ties: smaller
    /// importance, then smaller index).</summary>
    public List<int> Finalize(IReadOnlyList<double> importance)
    {
        var chosen = Enumerable.Range(0, Width).Where(c => !_pruned[c])
            .OrderByDescending(c => _p[c]).ThenBy(c => importance[c]).ThenBy(c => c)
            .Take(Target - PrunedCount).ToList();
        foreach (int c in chosen) Retire(c);
        return chosen;
    }

    private void Retire(int c)
    {
        _pruned[c] = true;
        _p[c] = 1;
        PrunedCount++;
    }

    /// <summary>Line 15: m_c = [U(i, c) &lt; 1 - p_c] while the group is unfinished; pruned units 0;
    /// a finished group's alive units 1.</summary>
    public void SampleMasks(Span<float> masks, Func<int, double> uniformForUnit)
    {
        for (int c = 0; c < Width; c++)
            masks[c] = _pruned[c] ? 0f : Done ? 1f : uniformForUnit(FirstUnitId + c) < 1 - _p[c] ? 1f : 0f;
    }

    public SppGroupSnapshot Snapshot() => new((double[])_p.Clone(), (bool[])_pruned.Clone(), (double[]?)_history?.Clone());

    public void Restore(SppGroupSnapshot s)
    {
        if (s.P.Length != Width || s.Pruned.Length != Width || s.History is { Length: var h } && h != Width)
            throw new CheckpointFormatException($"does not fit the model (group {GroupId} has {Width} units)");
        _p = (double[])s.P.Clone();
        _pruned = (bool[])s.Pruned.Clone();
        _history = (double[]?)s.History?.Clone();
        PrunedCount = _pruned.Count(x => x);
    }
}
