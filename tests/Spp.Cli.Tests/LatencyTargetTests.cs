using Spp.Backend.Reports;
using Spp.TestModels;

namespace Spp.Cli.Tests;

/// <summary>Issue 7 at the command line: the latency model's widths and its cache, the check of
/// the written model's speed, and --target latency. Timings themselves are never asserted: only
/// what must hold whatever the machine measures.</summary>
public class LatencyTargetTests
{
    private static readonly string Model = RepoPaths.Model("resnet20.bn.onnx");

    [Theory]
    [InlineData("--target", "fast")]
    [InlineData("--snap", "sometimes")]
    public void BadChoicesAreOneLineExitTwo(string flag, string value)
    {
        using var tmp = RepoPaths.Temp();
        Sppc.AssertBadInput(Sppc.Run(Model, "--speedup", "2", flag, value, "-o", tmp.File("x.onnx")), flag);
        Assert.False(File.Exists(tmp.File("x.onnx")));
    }

    [Fact]
    public void LatencyTargetNeedsASpeedupNotARatio()
    {
        using var tmp = RepoPaths.Temp();
        Sppc.AssertBadInput(Sppc.Run(Model, "--ratio", "0.5", "--target", "latency", "-o", tmp.File("x.onnx")), "--target latency", "--ratio");
    }

    [Fact]
    public void CacheMustBeAFolder()
    {
        using var tmp = RepoPaths.Temp();
        File.WriteAllText(tmp.File("file"), "");
        Sppc.AssertBadInput(Sppc.Run(Model, "--speedup", "2", "--latency-cache", tmp.File("file"), "-o", tmp.File("x.onnx")), "--latency-cache", "folder");
    }

    [Fact]
    public void AnUnreachableLatencyTargetNamesWhatWasMeasured()
    {
        using var tmp = RepoPaths.Temp();
        var line = Sppc.AssertBadInput(Sppc.Run(Model, "--speedup", "1000", "--target", "latency", "--snap", "none", "--batch", "8", "-o", tmp.File("x.onnx")),
            "--speedup 1000", "not reachable");
        Assert.Matches(@"ran [0-9.]+x faster", line);
        Assert.False(File.Exists(tmp.File("x.onnx")));
    }

    [Fact]
    public void WidthsComeFromTheLatencyModelAndTheCacheGivesTheSameOnes()
    {
        using var tmp = RepoPaths.Temp();
        string cache = tmp.File("cache");
        PruneReport Run(string name)
        {
            var r = Sppc.Run(Model, "--speedup", "2", "--batch", "16", "--latency-cache", cache, "-o", tmp.File(name + ".onnx"), "--report", tmp.File(name + ".json"));
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            var report = PruneReport.FromJson(File.ReadAllText(tmp.File(name + ".json")));
            // The one line about speed appears exactly when the written model is slower at the batch.
            Assert.Equal(report.LatencyCheck!.Measured < 1, r.Stdout.Contains("note: at batch 16 the pruned model is not faster", StringComparison.Ordinal));
            return report;
        }

        var cold = Run("cold");
        var m = cold.LatencyModel!;
        Assert.Equal((16, "CPU"), (m.Batch, m.Provider));
        Assert.True(m.WidthsMeasured > 0 && m.ProfilingSeconds > 0);
        Assert.StartsWith(cache, m.CacheFile);
        Assert.True(File.Exists(m.CacheFile));
        Assert.InRange(cold.MacSpeedup, 2, 2 * 1.03);
        foreach (var g in m.Groups)
        {
            Assert.Equal(cold.Groups.Single(x => x.Id == g.Id).WidthAfter, g.Kept);
            // A kept width was measured fast: no wider width measured runs as fast (unless the
            // target needed widths below every fast one).
            Assert.True(g.Costs.ContainsKey(g.Kept), $"group {g.Id}: width {g.Kept} not measured");
            if (g.Filler) continue;
            Assert.Equal(g.BelowFast, g.Kept < g.FastWidths.Min());
            if (!g.BelowFast)
            {
                Assert.Contains(g.Kept, g.FastWidths);
                Assert.DoesNotContain(g.Costs, c => c.Key > g.Kept && c.Value <= g.Costs[g.Kept]);
            }
        }
        var check = cold.LatencyCheck!;
        Assert.Equal(("macs", 16, 1.0), (check.Target, check.Batch, check.Required));
        Assert.Equal(cold.Latency!.At(16)!.Speedup, check.Measured, 12);

        var warm = Run("warm");
        Assert.Equal(0, warm.LatencyModel!.WidthsMeasured);
        Assert.True(warm.LatencyModel.WidthsReused > 0);
        Assert.Equal(cold.Groups.Select(g => g.WidthAfter), warm.Groups.Select(g => g.WidthAfter));
    }

    [Fact]
    public void NoCacheKeepsNothingAndSnapNoneMeasuresNothing()
    {
        using var tmp = RepoPaths.Temp();
        var r = Sppc.Run(Model, "--speedup", "2", "--batch", "4", "--latency-cache", "none", "-o", tmp.File("a.onnx"), "--report", tmp.File("a.json"));
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var a = PruneReport.FromJson(File.ReadAllText(tmp.File("a.json")));
        Assert.Null(a.LatencyModel!.CacheFile);
        Assert.Contains("no cache", r.Stdout);

        r = Sppc.Run(Model, "--speedup", "2", "--batch", "4", "--snap", "none", "-o", tmp.File("b.onnx"), "--report", tmp.File("b.json"));
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Null(PruneReport.FromJson(File.ReadAllText(tmp.File("b.json"))).LatencyModel);
        Assert.Equal(["a.json", "a.onnx", "b.json", "b.onnx"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void TheDefaultCacheIsUnderXdgCacheHome()
    {
        using var tmp = RepoPaths.Temp();
        var r = Sppc.Run(Model, "--speedup", "1.5", "--batch", "2", "-o", tmp.File("a.onnx"), "--report", tmp.File("a.json"));
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var file = PruneReport.FromJson(File.ReadAllText(tmp.File("a.json"))).LatencyModel!.CacheFile!;
        Assert.Equal(Path.Combine(Sppc.CacheHome, "sppc"), Path.GetDirectoryName(file));
        Assert.Matches(@"latency-[0-9a-f]{12}\.json$", file);
    }
}
