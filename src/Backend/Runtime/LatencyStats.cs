namespace Spp.Backend.Runtime;

/// <summary>Timings of one model at one batch size, in milliseconds per run.</summary>
public sealed record LatencyStats(int Batch, double MedianMs, double P90Ms, double MinMs, int Runs)
{
    /// <summary>Images per second at the median latency.</summary>
    public double Throughput => Batch / (MedianMs / 1000.0);

    public static LatencyStats Of(int batch, IReadOnlyList<double> samplesMs)
    {
        if (samplesMs.Count == 0) throw new ArgumentException("no timed runs", nameof(samplesMs));
        var s = samplesMs.Order().ToArray();
        int n = s.Length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        // Nearest-rank percentile: the smallest sample with at least 90% of samples at or below it.
        double p90 = s[(int)Math.Ceiling(0.9 * n) - 1];
        return new LatencyStats(batch, median, p90, s[0], n);
    }
}
