using Spectre.Console;
using Spp.Backend.Reports;
using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Pruning.Data;

namespace Spp.Cli.Pipeline;

/// <summary>What the main job measures on the written model, next to the original: latency (always,
/// kept to a second or two) and accuracy (with <c>--val</c>).</summary>
public static class SlimChecks
{
    /// <summary>Batch 1 and the user's batch, a few interleaved runs each, at most about a second per
    /// batch size: enough to tell faster from slower, not a benchmark (that is <c>sppc bench</c>).
    /// A latency target is held to the measurement, so it gets twice the runs.</summary>
    public static LatencyFigures Latency(string input, Model original, string output, Model pruned, OrtSettings settings, int batch, bool careful = false)
    {
        int[] batches = batch == 1 ? [1] : [1, batch];
        var models = new[] { new BenchModel(input, original), new BenchModel(output, pruned) };
        var timing = careful ? new LatencyOptions(batches, Runs: 20, Warmup: 2, SecondsPerBatch: 2.0, MinRuns: 7)
            : new LatencyOptions(batches, Runs: 10, Warmup: 2, SecondsPerBatch: 1.0, MinRuns: 3);
        var result = Consoles.WithStatus("timing original and pruned model",
            _ => LatencyBench.Run(models, settings, timing,
                m => Sessions.Open(m.Model, m.Label, settings)));
        return LatencyFigures.Of(result);
    }

    public static AccuracyFigures Accuracy(string input, Model original, string output, Model pruned, ModelInput modelInput, DataSource val, OrtSettings settings, int batch)
    {
        using var a = Sessions.Open(original, input, settings);
        var before = Evaluation.Accuracy(a, modelInput, val, batch, "accuracy, original");
        using var b = Sessions.Open(pruned, output, settings);
        var after = Evaluation.Accuracy(b, modelInput, val, batch, "accuracy, pruned");
        return AccuracyFigures.Of(val.Path, before, after);
    }

    /// <summary>The written model against the original at the job's batch: not slower (a MAC target)
    /// or faster by the speedup (a latency target).</summary>
    public static LatencyCheck Check(LatencyFigures latency, PruneOptions o, int rounds, IReadOnlyList<LatencySearchStep>? search)
    {
        bool latencyTarget = o.Latency?.LatencyTarget == true;
        double measured = latency.At(o.Batch)?.Speedup ?? 0;
        double required = latencyTarget ? o.Speedup : 1;
        return new LatencyCheck(latencyTarget ? "latency" : "macs", o.Batch, required, measured, measured >= required, rounds, search);
    }

    /// <summary>The one line a user needs when pruning did not pay off at the batch they run.</summary>
    public static void WarnIfNotFaster(LatencyFigures latency, LatencyCheck check, bool snapped)
    {
        if (check.Met || latency.At(check.Batch) is not { } p) return;
        string times = $"{LatencyTable.Ms(p.AfterMedianMs)} ms vs {LatencyTable.Ms(p.BeforeMedianMs)} ms median, {p.Speedup:0.00}x";
        if (check.Target == "latency")
            AnsiConsole.MarkupLine($"[yellow]note:[/] at batch {check.Batch} the pruned model is short of the {check.Required:0.##}x latency target on {Markup.Escape(latency.Provider)} " +
                $"({times}) after {check.Rounds} allocation{(check.Rounds == 1 ? "" : "s")}");
        else
            AnsiConsole.MarkupLine($"[yellow]note:[/] at batch {check.Batch} the pruned model is not faster on {Markup.Escape(latency.Provider)} " +
                $"({times}); {(snapped ? "--target latency prunes until it is" : "channel counts measured fast may help (--snap latency)")}");
    }
}