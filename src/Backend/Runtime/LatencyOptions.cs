namespace Spp.Backend.Runtime;

/// <summary>How to time: batch sizes, warm-up runs, timed runs per model, and an optional time
/// budget per batch size after which timing stops (once <see cref="MinRuns"/> runs are in).</summary>
public sealed record LatencyOptions(IReadOnlyList<int> Batches, int Runs = 20, int Warmup = 3, double? SecondsPerBatch = null, int MinRuns = 3, int Seed = 1234)
{
    public void Validate()
    {
        if (Batches.Count == 0 || Batches.Any(b => b < 1)) throw new ArgumentException("batch sizes must be >= 1");
        if (Runs < 1) throw new ArgumentException($"runs {Runs} must be >= 1");
        if (Warmup < 0) throw new ArgumentException($"warm-up {Warmup} must be >= 0");
    }
}
