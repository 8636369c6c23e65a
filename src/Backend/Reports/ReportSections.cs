using Spp.Backend.Runtime;
using Spp.Backend.Verification;

namespace Spp.Backend.Reports;

// The optional sections of a PruneReport. Each is absent (null) when the run did not measure it:
// the data-free l1 job has no training curves, a run without --val no accuracy.

/// <summary>Accuracy on the validation data before and after pruning (after fine-tuning, if any).</summary>
public sealed record AccuracyFigures(string Data, long Count, double Top1Before, double? Top5Before, double Top1After, double? Top5After)
{
    public double Top1Change => Top1After - Top1Before;

    public static AccuracyFigures Of(string data, AccuracyResult before, AccuracyResult after) =>
        new(data, after.Count, before.Top1, before.Top5, after.Top1, after.Top5);
}

/// <summary>Median and p90 latency of the original and the pruned model at one batch size.</summary>
public sealed record LatencyPoint(int Batch, double BeforeMedianMs, double BeforeP90Ms, double AfterMedianMs, double AfterP90Ms)
{
    /// <summary>Measured speedup: original median over pruned median.</summary>
    public double Speedup => BeforeMedianMs / AfterMedianMs;
}

/// <summary>Latency before and after, measured with ONNX Runtime on one provider.</summary>
public sealed record LatencyFigures(string Provider, int Threads, int Runs, IReadOnlyList<LatencyPoint> Batches)
{
    /// <summary>From a bench of [original, pruned].</summary>
    public static LatencyFigures Of(LatencyResult r) => new(r.Provider.Name, r.Threads, r.Rows.Min(x => x.Models[0].Runs),
        r.Rows.Select(x => new LatencyPoint(x.Batch, x.Models[0].MedianMs, x.Models[0].P90Ms, x.Models[1].MedianMs, x.Models[1].P90Ms)).ToList());

    public LatencyPoint? At(int batch) => Batches.FirstOrDefault(b => b.Batch == batch);
}

/// <summary>One point of the training curves; a value is null where it was not measured.</summary>
public sealed record TrainingPoint(double Epoch, double? TrainLoss, double? TrainTop1, double? ValLoss, double? ValTop1);

/// <summary>The pruning probability of one unit of one group over training steps.</summary>
public sealed record ProbabilityTrajectory(int Group, int Unit, IReadOnlyList<double> Steps, IReadOnlyList<double> Probabilities);
