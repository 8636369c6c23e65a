using Spp.Backend.Verification;
using Spp.Frontend;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.TestModels;

namespace Spp.Backend.Tests;

/// <summary>The rewrite against its definition: ONNX Runtime must give the masked original's
/// outputs from the pruned model, for every structure and every real export.</summary>
public class PruneExactnessTests
{
    public static TheoryData<string> Models() => AllModels.NamesWithFamilies();

    [Theory]
    [MemberData(nameof(Models))]
    public void PrunedModelEqualsMaskedOriginal(string name)
    {
        var model = AllModels.Load(name);
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        Assert.NotEmpty(analysis.PrunableGroups);
        foreach (var seed in new[] { 1, 2 })
        {
            var plan = RandomPlans.Of(analysis, 0.5, seed);
            Assert.True(plan.RemovedCount > 0);
            var pruned = model.CloneWithGraph(GraphPruner.Prune(analysis, plan));
            var masked = model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, plan));
            var report = ExactnessCheck.Run(masked, pruned);
            Assert.True(report.Passed, $"{name} seed {seed}: relative difference {report.RelativeDiff:E2} (max abs {report.MaxAbsDiff:E2})");
            Assert.True(MacCount.PerSample(pruned.Graph, pruned.OnnxOpset) < MacCount.PerSample(model.Graph, model.OnnxOpset));
        }
    }
}
