using System.Text.Json;
using System.Text.RegularExpressions;
using Spp.TestModels;

namespace Spp.Cli.Tests;

/// <summary>The main job with <c>--html</c>, <c>--report</c> and <c>--val</c>: the written model is
/// timed against the original and both are evaluated; the reports carry the same figures.</summary>
public class MainJobReportTests
{
    [Fact]
    public void HtmlAndJsonReportsCarryAccuracyAndLatency()
    {
        using var tmp = RepoPaths.Temp();
        // The reference images are stored normalized, so no --mean/--std.
        string model = RepoPaths.Model("mbv2s.onnx"), val = RepoPaths.Model("mbv2s.ref.npz");
        string output = tmp.File("slim.onnx"), html = tmp.File("report.html"), json = tmp.File("report.json");
        var r = Sppc.Run([model, "--speedup", "2", "--round-to", "4", "-o", output, "--html", html, "--report", json, "--val", val, "--batch", "32"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(["report.html", "report.json", "slim.onnx"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName).Order());

        var j = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var latency = j.GetProperty("latency");
        var batches = latency.GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal([1, 32], batches.Select(b => b.GetProperty("batch").GetInt32()));
        Assert.All(batches, b => Assert.True(b.GetProperty("beforeMedianMs").GetDouble() > 0 && b.GetProperty("afterMedianMs").GetDouble() > 0));
        Assert.False(j.TryGetProperty("training", out _));
        Assert.False(j.TryGetProperty("probabilities", out _));

        // Accuracy in the job equals what sppc eval says of each file on its own.
        var acc = j.GetProperty("accuracy");
        Assert.Equal(64, acc.GetProperty("count").GetInt32());
        foreach (var (file, key) in new[] { (model, "top1Before"), (output, "top1After") })
        {
            var e = Sppc.Run("eval", file, "--val", val, "--json");
            Assert.True(e.ExitCode == 0, e.Stderr);
            Assert.Equal(JsonDocument.Parse(e.Stdout).RootElement.GetProperty("top1").GetDouble(), acc.GetProperty(key).GetDouble(), 12);
        }

        // One line about speed when, and only when, the pruned model is slower at the user's batch.
        double speedup32 = batches[1].GetProperty("beforeMedianMs").GetDouble() / batches[1].GetProperty("afterMedianMs").GetDouble();
        Assert.Equal(speedup32 < 1, r.Stdout.Contains("note: at batch 32 the pruned model is not faster", StringComparison.Ordinal));

        var page = File.ReadAllText(html);
        Assert.Equal(["summary", "accuracy", "latency", "groups"], Regex.Matches(page, "<section id=\"([a-z]+)\">").Select(m => m.Groups[1].Value));
        Assert.Equal(2, Regex.Matches(page, "<svg ").Count);
        Assert.DoesNotMatch("https?://", page);
        Assert.Contains($"{acc.GetProperty("top1Before").GetDouble() * 100:0.00}%", page);
    }

    [Fact]
    public void ProblemsFoundBeforePruningWriteNothing()
    {
        using var tmp = RepoPaths.Temp();
        string model = RepoPaths.Model("resnet20.onnx"), output = tmp.File("slim.onnx");
        Sppc.AssertBadInput(Sppc.Run(model, "--speedup", "2", "-o", output, "--html", tmp.File("no/such/dir/r.html")), "r.html");
        Sppc.AssertBadInput(Sppc.Run(model, "--speedup", "2", "-o", output, "--val", tmp.File("missing")), "missing");
        Sppc.AssertBadInput(Sppc.Run(model, "--speedup", "2", "-o", output, "--val", RepoPaths.Model("resnet20.ref.npz"), "--size", "32x32"), "--size 32x32");
        Sppc.AssertBadInput(Sppc.Run(model, "--speedup", "2", "-o", output, "--html", model), "never overwrites");
        Sppc.AssertBadInput(Sppc.Run(model, "--speedup", "2", "-o", output, "--batch", "0"), "--batch 0");
        var cuda = Sppc.Run(model, "--speedup", "2", "-o", output, "--device", "cuda");
        if (cuda.ExitCode != 0) Sppc.AssertBadInput(cuda, "--device cuda");
        else File.Delete(output);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }
}
