using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.TestModels;

namespace Spp.Backend.Tests;

public class LatencyBenchTests
{
    [Fact]
    public void StatisticsAreMedianAndNearestRankP90()
    {
        var odd = LatencyStats.Of(4, [5.0, 1, 4, 2, 3]);
        Assert.Equal((3.0, 5.0, 1.0, 5), (odd.MedianMs, odd.P90Ms, odd.MinMs, odd.Runs));
        Assert.Equal(4 / 0.003, odd.Throughput, 6);
        var even = LatencyStats.Of(1, Enumerable.Range(1, 10).Select(i => (double)i).Reverse().ToList());
        Assert.Equal((5.5, 9.0), (even.MedianMs, even.P90Ms));
        Assert.Equal((7.0, 7.0), (LatencyStats.Of(1, [7.0]).MedianMs, LatencyStats.Of(1, [7.0]).P90Ms));
    }

    [Fact]
    public void TimesEveryModelAtEveryBatchWithMacRatio()
    {
        var model = TestModelZoo.Chain();
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var pruned = model.CloneWithGraph(GraphPruner.Prune(analysis, RandomPlans.Of(analysis, 0.5, 1)));
        var r = LatencyBench.Run([new BenchModel("a", model), new BenchModel("b", pruned)], new OrtSettings(IntraOpThreads: 1),
            new LatencyOptions([1, 3], Runs: 4, Warmup: 1));
        Assert.Equal(["a", "b"], r.Labels);
        Assert.Equal([1, 3], r.Rows.Select(x => x.Batch));
        foreach (var row in r.Rows)
        {
            Assert.Equal(2, row.Models.Count);
            Assert.All(row.Models, s => Assert.True(s.Runs == 4 && s.MedianMs > 0 && s.P90Ms >= s.MedianMs && s.MinMs <= s.MedianMs && s.Batch == row.Batch));
            Assert.Equal(row.Models[0].MedianMs / row.Models[1].MedianMs, row.Ratio());
        }
        Assert.Equal(MacCount.PerSample(model.Graph, 13), r.MacsPerSample[0]);
        Assert.Equal((double)r.MacsPerSample[0] / MacCount.PerSample(pruned.Graph, 13), r.MacRatio());
        Assert.Equal("CPU", r.Provider.Name);
    }

    [Fact]
    public void TimeBudgetStopsAfterTheMinimumRuns()
    {
        var r = LatencyBench.Run([new BenchModel("a", TestModelZoo.Chain())], OrtSettings.Default,
            new LatencyOptions([2], Runs: 1000, Warmup: 0, SecondsPerBatch: 0, MinRuns: 3));
        Assert.Equal(3, r.Rows[0].Models[0].Runs);
    }

    [Fact]
    public void ModelsWithDifferentInputsAreRefused()
    {
        var e = Assert.Throws<GraphException>(() => LatencyBench.Run(
            [new BenchModel("a.onnx", TestModelZoo.Chain()), new BenchModel("b.onnx", TestModelZoo.Residual())],
            OrtSettings.Default, new LatencyOptions([1], Runs: 1)));
        Assert.StartsWith("b.onnx: input 'input' is f32[N,3,12,12], but a.onnx takes f32[1,3,16,16]", e.Message);
    }
}
