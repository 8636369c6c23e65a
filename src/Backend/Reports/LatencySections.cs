namespace Spp.Backend.Reports;

// The report's sections about issue 7 (latency that follows MACs): what the latency model measured,
// and whether the written model is faster by what was asked.

/// <summary>One group as the latency model saw it: the width kept, the widths measured fast, the
/// measured cost of each width timed (relative to the full width), whether the target needed a
/// width below every fast one, and whether this group took a width between fast ones so that the
/// MACs land within 3% of the target (the fast widths were too coarse).</summary>
public sealed record GroupLatencyFigures(int Id, int Width, int Kept, IReadOnlyList<int> FastWidths, IReadOnlyDictionary<int, double> Costs,
    bool BelowFast = false, bool Filler = false);

/// <summary>The latency model's work in this run: where and at which batch it timed, how long that
/// took, how many widths were timed and how many came from the cache (or an equal block).</summary>
public sealed record LatencyModelFigures(string Provider, int Threads, int Batch, double ProfilingSeconds, int WidthsMeasured, int WidthsReused,
    string? CacheFile, IReadOnlyList<GroupLatencyFigures> Groups, IReadOnlyDictionary<int, string>? Failures = null);

/// <summary>One candidate of the <c>--target latency</c> search: the MAC target given to the
/// allocator, the MAC speedup it reached and the latency speedup measured at the job's batch.</summary>
public sealed record LatencySearchStep(double MacTarget, double MacSpeedup, double Measured);

/// <summary>The check after the rewrite: the written model against the original at the job's batch.
/// <see cref="Required"/> is 1 for a MAC target (it must not be slower) and the speedup for a latency
/// target.</summary>
public sealed record LatencyCheck(string Target, int Batch, double Required, double Measured, bool Met, int Rounds,
    IReadOnlyList<LatencySearchStep>? Search = null);
