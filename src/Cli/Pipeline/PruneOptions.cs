using Spp.Cli.Options;

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
    PreprocessingFlags? Data = null);
