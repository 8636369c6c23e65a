using System.Globalization;
using Spp.Backend.Profiling;
using Spp.Backend.Runtime;
using Spp.Frontend;
using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Bench;

/// <summary>
/// `widths MODEL [--batch B] [--threads N] [--group ID] [--from K] [--to K] [--step S]`: the latency
/// model's raw material: each prunable group's cut-out timed in ONNX Runtime at widths K..N (cost
/// relative to the full width), without the cache. Shows which widths the runtime runs fast.
/// </summary>
public static class WidthCostBench
{
    public static int Run(string[] args)
    {
        if (args.Length == 0) { Console.Error.WriteLine("usage: widths MODEL [--batch B] [--threads N] [--group ID] [--from K] [--to K] [--step S]"); return 2; }
        int Arg(string name, int dflt) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(dflt);
        if (BenchArgs.Threads(args) is not int threads) return 2;
        int batch = Arg("--batch", 64), only = Arg("--group", -1), from = Arg("--from", 1), to = Arg("--to", int.MaxValue), step = Arg("--step", 1);

        var model = OnnxReader.Read(args[0]);
        model = model.CloneWithGraph(ConstantUnsharing.Apply(model.Graph).Graph);
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var profiler = new GroupLatencyProfiler(model, analysis, new OrtSettings(threads), batch, cache: null);
        bool whole = args.Contains("--whole");
        foreach (var g in analysis.PrunableGroups.Where(g => only < 0 || g.Id == only))
        {
            var widths = Enumerable.Range(1, g.Width).Where(w => w >= from && w <= Math.Min(to, g.Width) && (w - from) % step == 0).ToList();
            var costs = whole ? Whole(model, analysis, g, widths, new OrtSettings(threads) { Spinning = false }, batch) : profiler.Costs(g, widths);
            Console.WriteLine($"group {g.Id} (width {g.Width}, {string.Join(", ", g.Producers.Take(2))}){(profiler.Failures.TryGetValue(g.Id, out var why) ? $": FAILED {why}" : "")}");
            Console.WriteLine(string.Join(" ", costs.OrderBy(kv => kv.Key).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}:{kv.Value:0.000}"))));
        }
        Console.WriteLine($"profiling {profiler.ProfilingTime.TotalSeconds:0.0} s, {profiler.WidthsMeasured} widths timed");
        return 0;
    }

    /// <summary>--whole: the reference the cut-outs stand in for, the whole model with only this
    /// group narrowed (fastest of interleaved runs, over the unpruned model's).</summary>
    private static Dictionary<int, double> Whole(Model model, ChannelAnalysis analysis, ChannelGroup g, List<int> widths, OrtSettings settings, int batch)
    {
        var all = widths.Prepend(g.Width).Distinct().ToList();
        var models = all.Select(w => new BenchModel($"w{w}", model.CloneWithGraph(GraphPruner.Prune(analysis,
            new PruningPlan().Remove(g.Id, Enumerable.Range(w, g.Width - w)))))).ToList();
        var r = LatencyBench.Run(models, settings, new LatencyOptions([batch], Runs: 15, Warmup: 2, SecondsPerBatch: 20, MinRuns: 5));
        return all.Select((w, i) => (w, r.Rows[0].Models[i].MinMs / r.Rows[0].Models[0].MinMs)).ToDictionary(x => x.w, x => x.Item2);
    }
}
