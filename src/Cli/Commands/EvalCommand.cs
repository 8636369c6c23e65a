using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using Spp.Backend.Runtime;
using Spp.Cli.Options;
using Spp.Cli.Pipeline;
using Spp.Pruning.Data;

namespace Spp.Cli.Commands;

/// <summary><c>sppc eval MODEL --val V</c>: top-1 / top-5 accuracy with ONNX Runtime over the whole
/// validation set.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX classifier" };
        var val = new Option<string>("--val") { Description = "labeled data: IDX images file, CIFAR batch(es), .npz, or image folder", Required = true };
        var batch = new Option<int>("--batch") { Description = "images per ONNX Runtime run", DefaultValueFactory = _ => 64 };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var runtime = new RuntimeFlags();
        var data = new DataFlags();
        var cmd = new Command("eval", "Top-1 / top-5 accuracy of a model on labeled data, with ONNX Runtime") { model, val, batch, json };
        runtime.AddTo(cmd);
        data.AddTo(cmd);
        cmd.SetAction(r => CliRunner.Run(() =>
        {
            string path = r.GetValue(model)!, valPath = r.GetValue(val)!;
            int b = r.GetValue(batch);
            if (b < 1) throw new UsageException($"--batch {b}: must be >= 1");
            var ir = ModelFiles.Load(path);
            var input = ModelInput.Of(ir, path);
            using var source = Evaluation.OpenLabeled(valPath, input, data.For(input, r));
            var settings = runtime.Resolve(r);
            using var ort = Sessions.Open(path, settings);
            var sw = Stopwatch.StartNew();
            var acc = Evaluation.Accuracy(ort, input, source, b, $"{Path.GetFileName(path)} on {ort.Provider.Name}");
            double seconds = sw.Elapsed.TotalSeconds;

            if (r.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    model = path,
                    data = valPath,
                    count = acc.Count,
                    classes = source.ClassCount,
                    top1 = acc.Top1,
                    top5 = acc.Top5,
                    top1Correct = acc.Top1Correct,
                    top5Correct = acc.Top5Correct,
                    provider = ort.Provider.Name,
                    providerReason = ort.Provider.Reason,
                    seconds,
                }, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var t = new Table().Border(TableBorder.Rounded).HideHeaders();
            t.AddColumn("what");
            t.AddColumn("value");
            t.AddRow("model", Markup.Escape(path));
            t.AddRow("data", Markup.Escape($"{valPath} ({source.Count:N0} images, {source.ClassCount} classes)"));
            t.AddRow("top-1", $"[bold]{acc.Top1 * 100:0.00}%[/] ({acc.Top1Correct:N0} of {acc.Count:N0})");
            if (acc.Top5 is { } top5) t.AddRow("top-5", $"{top5 * 100:0.00}% ({acc.Top5Correct:N0} of {acc.Count:N0})");
            t.AddRow("time", $"{seconds:0.00} s ({acc.Count / Math.Max(seconds, 1e-9):N0} images/s)");
            t.AddRow("provider", Markup.Escape(ort.Provider.ToString()));
            AnsiConsole.Write(t);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
