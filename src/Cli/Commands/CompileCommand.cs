using System.CommandLine;
using Spp.Cli.Options;
using Spp.Cli.Pipeline;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Commands;

/// <summary>The main job: <c>sppc MODEL --speedup S [--method l1] -o OUT [--report FILE] [--html FILE] [--val V]</c>.</summary>
public static class CompileCommand
{
    private static readonly string[] Methods = ["l1", "spp", "taylor", "increg"];

    public static void Configure(RootCommand root)
    {
        var model = new Argument<string>("model") { Description = "ONNX model to prune" };
        var speedup = new Option<double?>("--speedup") { Description = "target speedup: MAC reduction factor, or measured latency speedup with --target latency (1 = write the model back unchanged); required unless --ratio is given" };
        var output = new Option<string?>("--output", "-o") { Description = "output model path (default: MODEL.slim.onnx beside the input)" };
        var method = new Option<string?>("--method") { Description = "pruning criterion: l1 (data-free, one-shot); spp, taylor, increg need --data" };
        method.AcceptOnlyFromAmong(Methods);
        var roundTo = new Option<int>("--round-to") { Description = "keep channel counts at multiples of Q", DefaultValueFactory = _ => 1 };
        var minKeep = new Option<double>("--min-keep") { Description = "smallest share of a group's channels kept (spp-spec: 0.1; 0.25 measured better at 4x)", DefaultValueFactory = _ => AllocationOptions.DefaultMinKeep };
        var producerOnly = new Option<bool>("--l1-producer-only") { Description = "l1: rank channels by their producing filters only (Li et al.)" };
        var report = new Option<string?>("--report") { Description = "write the run's report as JSON" };
        var html = new Option<string?>("--html") { Description = "write the run's report as one self-contained HTML file with plots" };
        var val = new Option<string?>("--val") { Description = "labeled data for accuracy before and after (IDX, CIFAR, .npz, image folder)" };
        var ratio = new Option<double?>("--ratio") { Description = "remove this share of every prunable group's channels instead of a MAC target (e.g. 0.5)" };
        var groups = new Option<string?>("--groups") { Description = "JSON file of per-group widths: {\"groups\": [{\"layer\": NAME or \"group\": ID, \"keep\": UNITS or SHARE}]}" };
        var sppInterval = new Option<int?>("--spp-interval") { Description = "spp: steps between probability updates (default: from the budget, spp-spec 5)" };
        var importanceEma = new Option<double>("--importance-ema") { Description = "spp: decay of the importance history (0 = none)", DefaultValueFactory = _ => 0 };
        var pruneShare = new Option<double>("--prune-share") { Description = "spp, taylor, increg: share of the --epochs budget the pruning phase may use; fine-tuning gets the rest", DefaultValueFactory = _ => PruneOptions.DefaultPruneShare };
        var runtime = new RuntimeFlags();
        var data = new DataFlags();
        var training = new TrainingFlags(distillByDefault: true);
        var checkpoint = new CheckpointFlags();
        var latency = new LatencyFlags();
        foreach (var s in new Symbol[] { model, speedup, output, method, roundTo, minKeep, producerOnly, report, html, val, ratio, groups, sppInterval, importanceEma, pruneShare })
            if (s is Option opt) root.Add(opt); else root.Add((Argument)s);
        runtime.AddTo(root);
        data.AddTo(root);
        training.AddTo(root);
        checkpoint.AddTo(root);
        latency.AddTo(root);

        root.SetAction(r => CliRunner.Run(() =>
        {
            string input = r.GetValue(model)!;
            // With --ratio the widths come from the ratio; the MAC figure is then only reported.
            double s = r.GetValue(speedup) ?? (r.GetValue(ratio) is null ? throw new UsageException("--speedup is required (or --ratio)") : 1.0000001);
            if (!(s >= 1) || double.IsInfinity(s)) throw new UsageException($"--speedup {s}: must be a number >= 1");
            int q = r.GetValue(roundTo);
            if (q < 1) throw new UsageException($"--round-to {q}: must be >= 1");
            double keep = r.GetValue(minKeep);
            if (!(keep > 0 && keep <= 1)) throw new UsageException($"--min-keep {keep}: must be in (0, 1]");
            string? dataPath = r.GetValue(training.Data);
            string m = r.GetValue(method) ?? (dataPath is null ? "l1" : "spp");
            if (m != "l1" && dataPath is null) throw new UsageException($"--method {m}: needs training data (--data); without data only --method l1 runs");
            int b = r.GetValue(training.TrainBatch);
            if (b < 1) throw new UsageException($"--batch {b}: must be >= 1");
            var options = new PruneOptions(input, r.GetValue(output) ?? DefaultOutput(input), s, m, q, keep,
                r.GetValue(producerOnly), r.GetValue(report), r.GetValue(html), r.GetValue(val), b, runtime.Parse(r), data.Parse(r));
            double? r0 = r.GetValue(ratio);
            if (r0 is double rr && !(rr >= 0 && rr < 1)) throw new UsageException($"--ratio {rr}: must be in [0, 1)");
            int? interval = r.GetValue(sppInterval);
            if (interval is < 1) throw new UsageException($"--spp-interval {interval}: must be >= 1");
            double ema = r.GetValue(importanceEma);
            if (!(ema >= 0 && ema < 1)) throw new UsageException($"--importance-ema {ema}: must be in [0, 1)");
            double share = r.GetValue(pruneShare);
            if (!(share > 0 && share < 1)) throw new UsageException($"--prune-share {share}: must be in (0, 1)");
            var latencyChoice = latency.Parse(r);
            if (latencyChoice.LatencyTarget && r0 is not null) throw new UsageException("--target latency: needs --speedup (a measured latency speedup), not --ratio");
            options = options with { Ratio = r0, Overrides = ReadOverrides(r.GetValue(groups)), SppInterval = interval, ImportanceEma = ema, PruneShare = share, Latency = latencyChoice };
            if (dataPath is null) return PruneJob.Run(options);
            var device = r.GetValue(runtime.Device) ?? "auto";
            var t = training.Parse(r);
            options = options with { Checkpoint = checkpoint.Parse(r, input, options.Output, options.ReportPath, options.HtmlPath) };
            using var interrupts = Interrupts.Listen();
            return TrainPruneJob.Run(options, t, dataPath, device, interrupts.Token);
        }));
    }

    private static IReadOnlyList<GroupOverride> ReadOverrides(string? path)
    {
        if (path is null) return [];
        if (!File.Exists(path)) throw new UsageException($"--groups {path}: no such file");
        try
        {
            return GroupOverride.Parse(File.ReadAllText(path), path);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--groups {e.Message}");
        }
    }

    private static string DefaultOutput(string input) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(input))!, Path.GetFileNameWithoutExtension(input) + ".slim.onnx");
}
