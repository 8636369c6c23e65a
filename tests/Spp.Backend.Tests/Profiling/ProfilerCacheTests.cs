using Spp.Backend.Profiling;
using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Backend.Tests.Profiling;

/// <summary>The latency model with a computed timer in place of ONNX Runtime (timings are not
/// repeatable; the caching around them must be): a run that finds every width in the cache measures
/// nothing and allocates exactly what the run that measured them allocated, and so does a run
/// without a cache; equal blocks of one model are measured once.</summary>
public class ProfilerCacheTests
{
    /// <summary>MACs of the Conv nodes, twice for a conv whose output channels are not a multiple of 8.</summary>
    private static IReadOnlyList<double> BlockedMacs(IReadOnlyList<Model> models, int batch) => models.Select(m =>
    {
        var types = ShapeInference.Run(m.Graph, m.OnnxOpset, batch);
        var macs = MacCount.PerNode(m.Graph, types, m.OnnxOpset);
        return m.Graph.Nodes.Where(n => n.OpType == "Conv").Sum(n =>
            (double)(macs[n] ?? 0) * (m.Graph.Initializer(n.Inputs[1])!.Dims[0] % 8 == 0 ? 1 : 2));
    }).ToList();

    private sealed class Adapter(GroupLatencyProfiler p) : IWidthCost
    {
        public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0) => p.Costs(group, widths, pass);
    }

    private static (WidthAllocation Allocation, GroupLatencyProfiler Profiler) Run(string file, LatencyCache? cache)
    {
        var (model, analysis) = L1Pruner.Prepare(AllModels.Load("file:" + file));
        var profiler = new GroupLatencyProfiler(model, analysis, new OrtSettings(2), 32, cache, BlockedMacs);
        var allocation = new FastWidthAllocator(new UniformAllocator(analysis), new Adapter(profiler)).Allocate(new AllocationOptions(2.5));
        cache?.Save();
        return (allocation, profiler);
    }

    [Theory]
    [InlineData("resnet20.bn.onnx")]
    [InlineData("mbv2s.bn.onnx")]
    public void CacheHitAndMissGiveTheSameAllocation(string file)
    {
        using var tmp = RepoPaths.Temp();
        const string machine = "Test CPU; 2 cores; onnxruntime 0; CPU";
        var (cold, coldProfiler) = Run(file, LatencyCache.Open(tmp.Path, machine));
        var (warm, warmProfiler) = Run(file, LatencyCache.Open(tmp.Path, machine));
        var (none, _) = Run(file, null);

        Assert.True(coldProfiler.WidthsMeasured > 0);
        Assert.Equal(0, warmProfiler.WidthsMeasured);
        Assert.True(warmProfiler.WidthsReused >= coldProfiler.WidthsMeasured);
        Assert.Equal(cold.Kept.OrderBy(kv => kv.Key), warm.Kept.OrderBy(kv => kv.Key));
        Assert.Equal(cold.Kept.OrderBy(kv => kv.Key), none.Kept.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void EqualBlocksAreMeasuredOnce()
    {
        var (_, profiler) = Run("resnet20.bn.onnx", null);
        // layer1's three blocks are equal, and so are layer2.1/2.2 and layer3.1/3.2.
        Assert.True(profiler.WidthsReused > 0, "no width was reused");
        Assert.Empty(profiler.Failures);
    }
}
