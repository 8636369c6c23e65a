using System.Diagnostics;
using System.Text.Json;
using Spp.Frontend;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Training;

namespace Spp.Bench;

/// <summary>
/// Training throughput and peak memory of sppc's CPU engine next to PyTorch's on the same models and
/// data (issue: at least PyTorch's images/s with channels_last and threads = cores; peak memory at
/// most 1.5x). `train-compare MODEL... --data D [--rounds R] [--steps N] [--warmup W] [--batch B]`
/// runs, per round and model, sppc then PyTorch (bench/python/torch_train.py) fed two ways (whole-tensor
/// augmentation in memory, its fastest; torchvision's per-sample transforms through a DataLoader with
/// one worker, the usual recipe), each in a fresh
/// process so that each peak RSS is its own, interleaved so that both see the same machine load;
/// the best round of each counts. `train-step MODEL --data D ...` is sppc's side alone: what
/// `sppc finetune` does per step (forward, backward, SGD update, BN in training mode, batches
/// shuffled, cropped and flipped on the prefetch thread), timed after the warm-up steps.
/// </summary>
public static class TrainCompareBench
{
    private const float Mean = 0.2860f, Std = 0.3530f;

    private sealed record Options(int Steps, int Warmup, int Batch, int Rounds, int Threads, string Data, List<string> Models);

    public static int Step(string[] args)
    {
        if (Parse(args) is not { Models.Count: 1 } o) return Usage();
        Conv2d.RowTiles = BenchArgs.RowTiles(args)[^1];
        var model = OnnxReader.Read(o.Models[0]);
        var input = ModelInput.Of(model, o.Models[0]);
        var source = DataSources.Open(o.Data, input.Preprocessing([Mean], [Std], null, ChannelOrder.Rgb));
        using var k = new CpuKernels(o.Threads);
        var options = new TrainingOptions { Batch = o.Batch, Lr = 0.01f, WeightDecay = 5e-4f, Seed = 0 };
        using var trainer = new Trainer(k, model, options, null, LearningRateSchedule.Constant(options.Lr));
        var data = new BatchIterator(source, o.Batch, 0, new Augmentation(2, 0f, true), dropLast: true);
        int done = 0;
        var clock = new Stopwatch();
        var profile = args.Contains("--profile") || args.Contains("--profile-shapes") ? new OpProfile { PerShape = args.Contains("--profile-shapes") } : null;
        for (int epoch = 0; done < o.Warmup + o.Steps; epoch++)
            foreach (var batch in data.Epoch(epoch))
            {
                if (done == o.Warmup)
                {
                    clock.Start();
                    trainer.Context.Profile = profile;
                }
                trainer.Forward(batch);
                trainer.Update();
                if (++done == o.Warmup + o.Steps) break;
            }
        clock.Stop();
        if (profile is not null) PrintProfile(profile, clock.Elapsed.TotalSeconds * 1e3 / o.Steps);
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["images_per_second"] = o.Steps * o.Batch / clock.Elapsed.TotalSeconds,
            ["peak_rss_mb"] = PeakRssMb(),
            ["threads"] = k.DegreeOfParallelism,
        }));
        return 0;
    }

    public static int Compare(string[] args)
    {
        if (Parse(args) is not { Models.Count: > 0 } o) return Usage();
        var common = new List<string> { "--data", o.Data, "--steps", o.Steps.ToString(), "--warmup", o.Warmup.ToString(), "--batch", o.Batch.ToString() };
        if (o.Threads > 0) common.AddRange(["--threads", o.Threads.ToString()]);
        var best = new Dictionary<(string Model, string Side), JsonElement>();
        for (int round = 0; round < o.Rounds; round++)
            foreach (var path in o.Models)
            {
                Keep(best, (path, "sppc"), PythonScripts.Process(Environment.ProcessPath!, ["train-step", path, .. common]));
                Keep(best, (path, "torch"), PythonScripts.Run("torch_train.py", ["throughput", path, .. common]));
                Keep(best, (path, "torchvision"), PythonScripts.Run("torch_train.py", ["throughput", path, .. common, "--pipeline", "torchvision", "--workers", "1"]));
            }
        Console.WriteLine($"batch {o.Batch}, {o.Steps} timed steps after {o.Warmup}, best of {o.Rounds} interleaved rounds");
        Console.WriteLine("torch: tensor feed (batches cropped/flipped as tensors); torchvision: per-sample transforms, DataLoader with 1 worker");
        Console.WriteLine($"{"model",-22} {"sppc img/s",11} {"torch img/s",12} {"ratio",6} {"torchvision",12} {"ratio",6} {"sppc MB",8} {"torch MB",9} {"ratio",6}");
        foreach (var path in o.Models)
        {
            if (!best.TryGetValue((path, "sppc"), out var s) || !best.TryGetValue((path, "torch"), out var t))
            {
                Console.WriteLine($"{Path.GetFileName(path),-22} (a side failed; see above)");
                continue;
            }
            double si = s.GetProperty("images_per_second").GetDouble(), ti = t.GetProperty("images_per_second").GetDouble();
            double sm = s.GetProperty("peak_rss_mb").GetDouble(), tm = t.GetProperty("peak_rss_mb").GetDouble();
            double vi = best.TryGetValue((path, "torchvision"), out var v) ? v.GetProperty("images_per_second").GetDouble() : double.NaN;
            Console.WriteLine($"{Path.GetFileName(path),-22} {si,11:F0} {ti,12:F0} {si / ti,6:F2} {vi,12:F0} {si / vi,6:F2} {sm,8:F0} {tm,9:F0} {sm / tm,6:F2}");
        }
        return 0;
    }

    /// <summary>Per op type and pass, ms per step and share of the step, on stderr (stdout is the JSON).</summary>
    private static void PrintProfile(OpProfile profile, double stepMs)
    {
        Console.Error.WriteLine($"step {stepMs:F1} ms; per op type and pass:");
        double listed = 0;
        foreach (var (op, pass, ms, calls) in profile.PerStep())
        {
            listed += ms;
            Console.Error.WriteLine($"  {op,-22} {pass,-9} {ms,8:F2} ms {100 * ms / stepMs,5:F1}%  x{calls:F0}");
        }
        Console.Error.WriteLine($"  {"(outside the graph: data wait, labels)",-32} {stepMs - listed,8:F2} ms {100 * (stepMs - listed) / stepMs,5:F1}%");
    }

    /// <summary>Keeps the faster of two runs of one side; prints failures.</summary>
    private static void Keep(Dictionary<(string, string), JsonElement> best, (string, string) key, object result)
    {
        if (result is not JsonElement e)
        {
            Console.Error.WriteLine($"{key}: {result}");
            return;
        }
        Console.Error.WriteLine($"{key}: {e}");
        if (!best.TryGetValue(key, out var old) || old.GetProperty("images_per_second").GetDouble() < e.GetProperty("images_per_second").GetDouble())
            best[key] = e;
    }

    /// <summary>The process's peak resident set (VmHWM), as PyTorch's side reads ru_maxrss.</summary>
    private static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:"))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return double.NaN;
    }

    private static Options? Parse(string[] args)
    {
        if (BenchArgs.Threads(args) is not int threads) return null;
        var models = new List<string>();
        string? data = null;
        int steps = 40, warmup = 5, batch = 128, rounds = 2;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--data": data = Next(); break;
                case "--steps": steps = int.Parse(Next()); break;
                case "--warmup": warmup = int.Parse(Next()); break;
                case "--batch": batch = int.Parse(Next()); break;
                case "--rounds": rounds = int.Parse(Next()); break;
                case "--threads" or "--row-tiles": i++; break;
                case "--profile" or "--profile-shapes": break;
                default: models.Add(a); break;
            }
        }
        return data is null ? null : new Options(steps, warmup, batch, rounds, threads, data, models);
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: train-compare MODEL... --data IDX [--rounds R] [--steps N] [--warmup W] [--batch B] [--threads T] [--profile | --profile-shapes] [--row-tiles auto|always|never]");
        return 2;
    }
}
