using Spp.Pruning.Checkpoints;

namespace Spp.Pruning.Spp;

/// <summary>What a checkpoint keeps of a <see cref="TaylorAccumulator"/>.</summary>
public sealed record TaylorSnapshot(double[] Sum, double[] Ema, int Batches, bool First);

/// <summary>
/// Taylor importance (spp-spec.md 6.2, Molchanov et al. 2019): per mini-batch I_c = (dL/dm_c)^2 with
/// the gate derivative summed over all gate positions of the unit; averaged over the F batches since
/// the last pruning step, then smoothed across steps with an EMA of 0.9 (none at the first step).
/// </summary>
public sealed class TaylorAccumulator(int units, double momentum = 0.9)
{
    private double[] _sum = new double[units];
    private double[] _ema = new double[units];
    private int _batches;
    private bool _first = true;

    /// <summary>Adds one batch's gate derivatives dL/dm (one per global unit).</summary>
    public void AddBatch(ReadOnlySpan<float> gateGradients)
    {
        for (int c = 0; c < _sum.Length; c++) _sum[c] += (double)gateGradients[c] * gateGradients[c];
        _batches++;
    }

    /// <summary>Closes a pruning period: the smoothed importance of every unit.</summary>
    public double[] Importance()
    {
        for (int c = 0; c < _sum.Length; c++)
        {
            double mean = _batches > 0 ? _sum[c] / _batches : 0;
            _ema[c] = _first ? mean : momentum * _ema[c] + (1 - momentum) * mean;
            _sum[c] = 0;
        }
        _first = false;
        _batches = 0;
        return (double[])_ema.Clone();
    }

    public TaylorSnapshot Snapshot() => new((double[])_sum.Clone(), (double[])_ema.Clone(), _batches, _first);

    public void Restore(TaylorSnapshot s)
    {
        if (s.Sum.Length != _sum.Length || s.Ema.Length != _ema.Length)
            throw new CheckpointFormatException($"does not fit the model ({_sum.Length} units)");
        _sum = (double[])s.Sum.Clone();
        _ema = (double[])s.Ema.Clone();
        _batches = s.Batches;
        _first = s.First;
    }
}
