using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spp.Backend.Runtime;
using Spp.Cli.Options;
using Spp.Cli.Pipeline;

namespace Spp.Cli.Commands;

/// <summary><c>sppc bench MODEL [OTHER]</c>: ONNX Runtime latency per batch size, and with two
/// models the latency ratio next to the MAC ratio. Measuring is Backend's LatencyBench; this only
/// parses and renders.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model to time" };
        var other = new Argument<string?>("other") { Description = "a second model to compare with (e.g. the pruned one)", Arity = ArgumentArity.ZeroOrOne };
        var batches = new Option<string>("--batch") { Description = "batch sizes, comma-separated", DefaultValueFactory = _ => "1,64" };
        var runs = new Option<int>("--runs") { Description = "timed runs per model and batch size", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs first, per model and batch size", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var runtime = new RuntimeFlags();
        var cmd = new Command("bench", "ONNX Runtime latency (median, p90, images/s) of one model or two, interleaved") { model, other, batches, runs, warmup, json };
        runtime.AddTo(cmd);
        cmd.SetAction(r => CliRunner.Run(() =>
        {
            var options = new LatencyOptions(ParseBatches(r.GetValue(batches)!), r.GetValue(runs), r.GetValue(warmup));
            if (options.Runs < 1) throw new UsageException($"--runs {options.Runs}: must be >= 1");
            if (options.Warmup < 0) throw new UsageException($"--warmup {options.Warmup}: must be >= 0");
            var paths = new[] { r.GetValue(model)!, r.GetValue(other) }.OfType<string>().ToList();
            var models = paths.Select(p => new BenchModel(Label(p, paths), ModelFiles.Load(p))).ToList();
            var settings = runtime.Resolve(r);
            var result = LatencyBench.Run(models, settings, options, m => Sessions.Open(m.Model, m.Label, settings));
            if (r.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(LatencyTable.ToJson(result), new JsonSerializerOptions { WriteIndented = true }));
            else
                LatencyTable.Print(result);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static IReadOnlyList<int> ParseBatches(string text)
    {
        var values = new List<int>();
        foreach (var p in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b < 1)
                throw new UsageException($"--batch {text}: expected positive integers separated by commas, e.g. 1,64");
            values.Add(b);
        }
        return values.Distinct().ToList();
    }

    /// <summary>File names in tables, full paths only where two files share a name.</summary>
    private static string Label(string path, List<string> all) =>
        all.Count(p => Path.GetFileName(p) == Path.GetFileName(path)) > 1 ? path : Path.GetFileName(path);
}
