using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Spp.Bench;

/// <summary>
/// `ort-profile MODEL... [--batch B] [--runs N] [--threads T]`: where ONNX Runtime's time goes in
/// each model, from its own profiler: per op type, the kernel time per run and the node count, and
/// the part of a run that is no kernel at all (the executor's per-node overhead). Shows what pruning
/// channels cannot remove: the latency floor of issue 7.
/// </summary>
public static class OrtProfileBench
{
    public static int Run(string[] args)
    {
        var models = args.TakeWhile(a => !a.StartsWith("--")).ToList();
        if (models.Count == 0) { Console.Error.WriteLine("usage: ort-profile MODEL... [--batch B] [--runs N] [--threads T]"); return 2; }
        int Arg(string name, int dflt) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(dflt);
        int batch = Arg("--batch", 1), runs = Arg("--runs", 200), threads = Arg("--threads", 0);
        if (batch < 1 || runs < 2) { Console.Error.WriteLine("--batch must be at least 1 and --runs at least 2"); return 2; }
        foreach (var path in models) Profile(path, batch, runs, threads);
        return 0;
    }

    private static void Profile(string path, int batch, int runs, int threads)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"ortprof-{Environment.ProcessId}-{Path.GetFileNameWithoutExtension(path)}");
        // The prefix first: setting EnableProfiling hands ONNX Runtime the prefix set at that moment.
        using var options = new SessionOptions { ProfileOutputPathPrefix = prefix, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        options.EnableProfiling = true;
        if (threads > 0) options.IntraOpNumThreads = threads;
        using var session = new InferenceSession(path, options);
        var inputMeta = session.InputMetadata.First();
        var dims = inputMeta.Value.Dimensions.Select((d, i) => i == 0 ? batch : (long)d).ToArray();
        if (dims.Any(d => d < 1)) throw new ArgumentException($"{path}: input '{inputMeta.Key}' has a symbolic size besides the batch: [{string.Join(", ", dims)}]");
        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        var rng = new Random(0);
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        using var value = OrtValue.CreateTensorValueFromMemory(data, dims);
        using var runOptions = new RunOptions();
        string[] outputs = session.OutputNames.ToArray();
        for (int i = 0; i < runs; i++)
        {
            using var r = session.Run(runOptions, [inputMeta.Key], [value], outputs);
        }
        string file = session.EndProfiling();
        var byOp = new Dictionary<string, (double Us, HashSet<string> Nodes)>();
        var runTimes = new List<double>();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                string cat = e.GetProperty("cat").GetString()!, name = e.GetProperty("name").GetString()!;
                double dur = e.GetProperty("dur").GetDouble();
                if (cat == "Session" && name == "model_run") runTimes.Add(dur);
                if (cat != "Node" || !name.EndsWith("_kernel_time")) continue;
                string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
                var entry = byOp.GetValueOrDefault(op, (0, new HashSet<string>()));
                entry.Nodes.Add(name);
                byOp[op] = (entry.Us + dur, entry.Nodes);
            }
        }
        finally
        {
            File.Delete(file);
        }
        // The first runs warm caches and allocate; the later half is the steady state.
        int n = runTimes.Count;
        var steady = runTimes.Skip(n / 2).Order().ToList();
        double medianRun = steady[steady.Count / 2];
        double kernelsPerRun = byOp.Values.Sum(v => v.Us) / n;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(path)} batch {batch}: run median {medianRun:0.0} us (steady half), kernels {kernelsPerRun:0.0} us/run averaged over all {n} runs, {byOp.Values.Sum(v => v.Nodes.Count)} nodes"));
        foreach (var (op, (us, nodes)) in byOp.OrderByDescending(kv => kv.Value.Us))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {op,-28} {nodes.Count,3} nodes  {us / n,8:0.0} us/run  {us / n / nodes.Count,7:0.0} us/node"));
    }
}
