using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Profiling;
using Spp.Backend.Runtime;
using Spp.TestModels;

namespace Spp.Backend.Tests.Profiling;

/// <summary>The latency cache: what is saved comes back exactly, under a key that separates every
/// setting that changes a timing, in one file per machine; unreadable or foreign files are ignored
/// and replaced, and runs saving at once keep each other's entries.</summary>
public class LatencyCacheTests
{
    private const string Machine = "Test CPU; 2 cores; onnxruntime 0; CPU";

    [Fact]
    public void SavedCostsComeBackExactly()
    {
        using var tmp = RepoPaths.Temp();
        var cache = LatencyCache.Open(tmp.Path, Machine);
        string key = LatencyCache.Key(new OrtSettings(2), 64, "abc");
        cache.Set(key, 45, 1.2345678901234567);
        cache.Set(key, 48, 0.1 + 0.2);
        cache.Save();

        var again = LatencyCache.Open(tmp.Path, Machine);
        Assert.Null(again.Ignored);
        Assert.Equal(cache.FilePath, again.FilePath);
        Assert.Equal(1.2345678901234567, again.TryGet(key, 45));
        Assert.Equal(0.1 + 0.2, again.TryGet(key, 48));
        Assert.Null(again.TryGet(key, 47));
    }

    [Fact]
    public void EverySettingThatChangesATimingIsInTheKey()
    {
        var settings = new OrtSettings(2);
        var keys = new[]
        {
            LatencyCache.Key(settings, 64, "abc"),
            LatencyCache.Key(settings, 1, "abc"),
            LatencyCache.Key(settings, 64, "abd"),
            LatencyCache.Key(settings with { IntraOpThreads = 1 }, 64, "abc"),
            LatencyCache.Key(settings with { Optimization = GraphOptimizationLevel.ORT_ENABLE_BASIC }, 64, "abc"),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(keys[0], LatencyCache.Key(new OrtSettings(2), 64, "abc"));
    }

    [Fact]
    public void OneFilePerMachineAndProvider()
    {
        using var tmp = RepoPaths.Temp();
        var cpu = LatencyCache.Open(tmp.Path, Machine);
        var gpu = LatencyCache.Open(tmp.Path, Machine.Replace("CPU", "CUDA 0: Test GPU"));
        Assert.NotEqual(cpu.FilePath, gpu.FilePath);
        Assert.NotEqual(cpu.FilePath, LatencyCache.Open(tmp.Path, Machine.Replace("2 cores", "4 cores")).FilePath);
    }

    [Fact]
    public void UnreadableFilesAreIgnoredAndReplaced()
    {
        using var tmp = RepoPaths.Temp();
        var path = LatencyCache.Open(tmp.Path, Machine).FilePath!;
        foreach (var junk in new[] { "not json", "{\"version\": 99}", "[1, 2]", $"{{\"version\": 1, \"machine\": \"another\", \"entries\": {{\"k\": {{\"8\": 0.5}}}}}}" })
        {
            File.WriteAllText(path, junk);
            var cache = LatencyCache.Open(tmp.Path, Machine);
            Assert.NotNull(cache.Ignored);
            Assert.Equal(0, cache.Count);
            cache.Set("k", 8, 0.7);
            cache.Save();
            Assert.Equal(0.7, LatencyCache.Open(tmp.Path, Machine).TryGet("k", 8));
        }
        Assert.Equal(Machine, JsonNode.Parse(File.ReadAllText(path))!["machine"]!.GetValue<string>());
    }

    [Fact]
    public void RunsSavingAtOnceKeepEachOthersEntries()
    {
        using var tmp = RepoPaths.Temp();
        var a = LatencyCache.Open(tmp.Path, Machine);
        var b = LatencyCache.Open(tmp.Path, Machine);
        a.Set("x", 8, 0.5);
        b.Set("y", 16, 0.25);
        a.Save();
        b.Save();
        var merged = LatencyCache.Open(tmp.Path, Machine);
        Assert.Equal((0.5, 0.25), (merged.TryGet("x", 8), merged.TryGet("y", 16)));
    }

    [Fact]
    public void AnInMemoryCacheWritesNothing()
    {
        var cache = LatencyCache.InMemory();
        cache.Set("x", 1, 1);
        cache.Save();
        Assert.Null(cache.FilePath);
        Assert.Equal(1, cache.TryGet("x", 1));
    }
}
