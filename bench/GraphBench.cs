using System.Diagnostics;
using System.Text.Json;
using Spp.Frontend;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.Criteria;

namespace Spp.Bench;

/// <summary>
/// `graph MODEL [--repeat N] [--python]`: the front half of the pipeline on one model, timed in one
/// process after a warm-up (median of N): reading the file into the IR plus shape inference (issue:
/// no slower than Python's onnx.load + shape inference on the same file, which --python measures
/// side by side with bench/python/onnx_load_bench.py), and channel analysis + allocation + rewrite
/// at 2x (CPU time; target under 1 s for a ResNet-50-sized model).
/// </summary>
public static class GraphBench
{
    public static int Run(string[] args)
    {
        if (args.Length == 0) { Console.Error.WriteLine("usage: graph MODEL [--repeat N] [--python]"); return 2; }
        string path = args[0];
        int repeat = args.SkipWhile(a => a != "--repeat").Skip(1).Select(int.Parse).FirstOrDefault(5);
        bool python = args.Contains("--python");

        Model model = null!;
        var read = Measure(repeat, () =>
        {
            model = OnnxReader.Read(path);
            ShapeInference.Run(model.Graph, model.OnnxOpset);
        });
        var prune = Measure(repeat, () =>
        {
            var g = ConstantUnsharing.Apply(model.Graph).Graph;
            var analysis = ChannelAnalysis.Run(g, model.OnnxOpset);
            var allocation = new UniformAllocator(analysis).Allocate(new AllocationOptions(2));
            var plan = new PruningPlan();
            foreach (var grp in analysis.PrunableGroups)
                if (allocation.RemovedUnits(grp) > 0)
                    plan.Remove(grp.Id, L1Importance.Smallest(L1Importance.Of(analysis, grp), allocation.RemovedUnits(grp)));
            GraphPruner.Prune(analysis, plan);
        });

        var result = new Dictionary<string, object>
        {
            ["model"] = Path.GetFileName(path),
            ["fileBytes"] = new FileInfo(path).Length,
            ["nodes"] = model.Graph.Nodes.Count,
            ["readInferWallS"] = read.Wall,
            ["readInferCpuS"] = read.Cpu,
            ["analyseAllocateRewriteWallS"] = prune.Wall,
            ["analyseAllocateRewriteCpuS"] = prune.Cpu,
        };
        if (python) result["python"] = PythonBaseline(path, repeat);
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static (double Wall, double Cpu) Measure(int repeat, Action body)
    {
        body();   // warm-up: JIT and file cache
        var walls = new List<double>();
        var cpus = new List<double>();
        var proc = Process.GetCurrentProcess();
        for (int i = 0; i < repeat; i++)
        {
            GC.Collect();
            proc.Refresh();
            var cpu0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            body();
            sw.Stop();
            proc.Refresh();
            walls.Add(sw.Elapsed.TotalSeconds);
            cpus.Add((proc.TotalProcessorTime - cpu0).TotalSeconds);
        }
        return (Median(walls), Median(cpus));
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    private static object PythonBaseline(string path, int repeat) =>
        PythonScripts.Run("onnx_load_bench.py", [path, "--repeat", repeat.ToString()]);
}
