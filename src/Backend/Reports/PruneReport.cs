using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spp.Backend.Reports;

public sealed record GroupReport(
    int Id,
    int WidthBefore,
    int WidthAfter,
    IReadOnlyList<int> RemovedUnits,
    IReadOnlyList<string> Producers,
    IReadOnlyList<string> Consumers,
    long MacsDepending);

public sealed record ModelFigures(long Params, long Macs, long ConvGemmMacs);

public sealed record ExactnessFigures(double MaxAbsDiff, double RelativeDiff, double Tolerance, IReadOnlyList<long> Batches, bool Passed);

/// <summary>What one pruning run did, as written by <c>--report</c> (JSON) and <c>--html</c>, and
/// shown in the summary table. The sections after <see cref="Exactness"/> are optional: null (and
/// left out of the JSON) when the run did not measure them.</summary>
public sealed record PruneReport(
    string Input,
    string? Output,
    string Method,
    double TargetSpeedup,
    double PredictedSpeedup,
    ModelFigures Before,
    ModelFigures After,
    int LockedGroups,
    IReadOnlyList<GroupReport> Groups,
    ExactnessFigures? Exactness,
    AccuracyFigures? Accuracy = null,
    LatencyFigures? Latency = null,
    IReadOnlyList<TrainingPoint>? Training = null,
    IReadOnlyList<ProbabilityTrajectory>? Probabilities = null,
    LatencyModelFigures? LatencyModel = null,
    LatencyCheck? LatencyCheck = null)
{
    public double MacSpeedup => (double)Before.Macs / Math.Max(1, After.Macs);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PruneReport FromJson(string json) => JsonSerializer.Deserialize<PruneReport>(json, Json)!;
}
