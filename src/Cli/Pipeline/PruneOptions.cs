using Spp.Cli.Options;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Pipeline;

/// <summary>Everything the main job was asked to do, as parsed from the command line.</summary>
public sealed record PruneOptions(
    string Input,
    string Output,
    double Speedup,
    string Method,
    int RoundTo,
    double MinKeep,
    bool L1ProducerOnly,
    string? ReportPath,
    string? HtmlPath = null,
    string? ValPath = null,
    int Batch = 64,
    RuntimeChoice? Runtime = null,
    PreprocessingFlags? Data = null)
{
    /// <summary>--ratio: share of every group's channels to remove, instead of a MAC target.</summary>
    public double? Ratio { get; init; }
    /// <summary>--groups FILE: per-group widths.</summary>
    public IReadOnlyList<GroupOverride> Overrides { get; init; } = [];
    /// <summary>--spp-interval: steps between probability updates (default from spp-spec 5).</summary>
    public int? SppInterval { get; init; }
    /// <summary>--prune-share: share of the training budget the pruning phase may use (spp-spec 5: half);
    /// fine-tuning gets the rest and whatever the method leaves unused.</summary>
    public double PruneShare { get; init; } = DefaultPruneShare;
    public const double DefaultPruneShare = 0.5;
    /// <summary>--importance-ema: history decay of the SPP importance (Caffe's score_decay).</summary>
    public double ImportanceEma { get; init; }
    /// <summary>Where training keeps its resumable checkpoint (none without training).</summary>
    public CheckpointChoice Checkpoint { get; init; } = CheckpointChoice.None;
    /// <summary>--target, --snap, --latency-cache (null: the defaults).</summary>
    public LatencyChoice? Latency { get; init; }

    public AllocationOptions Allocation => new(Speedup, MinKeep, RoundTo) { Ratio = Ratio, Overrides = Overrides };
}
