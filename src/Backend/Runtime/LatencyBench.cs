using System.Diagnostics;
using Spp.Backend.Verification;
using Spp.Graph;

namespace Spp.Backend.Runtime;

/// <summary>A model to time, with a label for tables.</summary>
public sealed record BenchModel(string Label, Model Model);

/// <summary>Timings of every model at one batch size, in the order the models were given.</summary>
public sealed record LatencyRow(int Batch, IReadOnlyList<LatencyStats> Models)
{
    /// <summary>Median latency of model 0 over model i: above 1 means model i is faster.</summary>
    public double Ratio(int i = 1) => Models[0].MedianMs / Models[i].MedianMs;
}

public sealed record LatencyResult(IReadOnlyList<string> Labels, IReadOnlyList<long> MacsPerSample, ExecutionProvider Provider, int Threads,
    IReadOnlyList<LatencyRow> Rows)
{
    /// <summary>MACs of model 0 over model i: the speedup that counting operations predicts.</summary>
    public double MacRatio(int i = 1) => (double)MacsPerSample[0] / Math.Max(1, MacsPerSample[i]);
}

/// <summary>
/// ONNX Runtime latency of one or more models on the same random input: per batch size, warm-up
/// runs, then timed runs interleaved across models (A, B, A, B, ...) so that drifts in clock speed
/// or machine load hit every model alike. Each run includes ORT's output allocation, as a caller's
/// would; inputs are converted once, outside the timing.
/// </summary>
public static class LatencyBench
{
    /// <param name="open">makes a model's session (default: <see cref="OrtModel.Load(Model, OrtSettings)"/>);
    /// callers pass their own to report load failures their way</param>
    public static LatencyResult Run(IReadOnlyList<BenchModel> models, OrtSettings settings, LatencyOptions options,
        Func<BenchModel, OrtModel>? open = null, CancellationToken cancel = default)
    {
        if (models.Count == 0) throw new ArgumentException("no model to time", nameof(models));
        options.Validate();
        foreach (var m in models) CheckBatches(m, options.Batches);
        open ??= m => OrtModel.Load(m.Model, settings);
        var sessions = new List<OrtModel>();
        try
        {
            foreach (var m in models) sessions.Add(open(m));
            var rows = options.Batches.Select(b => TimeBatch(models, sessions, b, options, cancel)).ToList();
            return new LatencyResult(models.Select(m => m.Label).ToList(),
                models.Select(m => MacCount.PerSample(m.Model.Graph, m.Model.OnnxOpset)).ToList(),
                settings.Provider ?? ExecutionProvider.Cpu, settings.IntraOpThreads, rows);
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }

    private static LatencyRow TimeBatch(IReadOnlyList<BenchModel> models, List<OrtModel> sessions, int batch, LatencyOptions o, CancellationToken cancel)
    {
        var reference = RandomInputs.For(models[0].Model.Graph, batch, o.Seed + batch);
        var prepared = new List<PreparedInputs>();
        try
        {
            for (int i = 0; i < models.Count; i++) prepared.Add(sessions[i].Prepare(SameInputs(models[0], models[i], reference)));
            for (int w = 0; w < o.Warmup; w++)
                for (int i = 0; i < sessions.Count; i++) sessions[i].Run(prepared[i]);

            var samples = models.Select(_ => new List<double>()).ToArray();
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < o.Runs; r++)
            {
                cancel.ThrowIfCancellationRequested();
                for (int i = 0; i < sessions.Count; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    sessions[i].Run(prepared[i]);
                    samples[i].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                if (o.SecondsPerBatch is { } budget && r + 1 >= o.MinRuns && Stopwatch.GetElapsedTime(start).TotalSeconds > budget) break;
            }
            return new LatencyRow(batch, samples.Select(s => LatencyStats.Of(batch, s)).ToList());
        }
        finally
        {
            foreach (var p in prepared) p.Dispose();
        }
    }

    /// <summary>A model exported with a fixed batch size cannot be timed at another one.</summary>
    private static void CheckBatches(BenchModel m, IReadOnlyList<int> batches)
    {
        foreach (var input in m.Model.Graph.RealInputs)
            if (input.Type?.Shape is { Rank: > 0 } shape && shape[0].Value is { } fixedBatch && batches.Any(b => b != fixedBatch))
                throw new GraphException($"{m.Label}: input '{input.Name}' has a fixed batch size of {fixedBatch}; it can only be timed at batch {fixedBatch}");
    }

    /// <summary>The first model's random inputs, handed to another model by input position; the
    /// other model must accept the same shapes (a pruned model keeps its inputs).</summary>
    private static Dictionary<string, Tensor> SameInputs(BenchModel first, BenchModel other, Dictionary<string, Tensor> inputs)
    {
        var mine = other.Model.Graph.RealInputs.ToList();
        var theirs = first.Model.Graph.RealInputs.ToList();
        if (mine.Count != theirs.Count)
            throw new GraphException($"{other.Label} has {mine.Count} input(s), {first.Label} has {theirs.Count}; both must take the same inputs");
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < mine.Count; i++)
        {
            var t = inputs[theirs[i].Name];
            var shape = mine[i].Type?.Shape;
            bool fits = mine[i].Type?.ElementType == t.ElementType && (shape is null ||
                (shape.Rank == t.Dims.Length && shape.Dims.Select((d, k) => d.Value is not { } v || v == t.Dims[k]).All(ok => ok)));
            if (!fits)
                throw new GraphException($"{other.Label}: input '{mine[i].Name}' is {mine[i].Type}, but {first.Label} takes {t.ElementType.ShortName()}[{string.Join(",", t.Dims)}]; both must take the same inputs");
            result[mine[i].Name] = t;
        }
        return result;
    }
}
