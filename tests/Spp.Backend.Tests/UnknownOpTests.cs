using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Backend.Tests;

/// <summary>An op sppc has no rule for (here Sin, which ONNX Runtime runs) in the middle of a
/// model: the model still prunes, and the channels around the op stay whole.</summary>
public class UnknownOpTests
{
    private static Model WithUnknownOp()
    {
        var b = new ModelBuilder(11);
        var x = b.Input("input", 3, 10, 10);
        var a = b.Relu(b.Conv(x, 8));
        var s = b.Node("Sin", [a]);
        // Exporters declare the types of such outputs; shape inference takes them from value_info.
        b.Graph.ValueInfos[s] = new ValueInfo(s, b.Types().TypeOf(a));
        var c = b.Relu(b.Conv(s, 12));
        var d = b.Relu(b.Conv(c, 10));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(d)), 4));
        return b.Build();
    }

    [Fact]
    public void ChannelsAroundTheUnknownOpStayWholeAndTheRestPrunes()
    {
        var model = WithUnknownOp();
        var sin = model.Graph.Nodes.Single(n => n.OpType == "Sin");
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var aroundSin = analysis.Groups.Where(g => g.Values.Contains(sin.Inputs[0]) || g.Values.Contains(sin.Outputs[0])).ToList();
        Assert.NotEmpty(aroundSin);
        Assert.All(aroundSin, g => Assert.True(g.Locked));
        Assert.Contains(aroundSin.SelectMany(g => g.LockReasons), r => r.Contains("Sin", StringComparison.Ordinal));
        Assert.Equal(2, analysis.PrunableGroups.Count());

        var result = L1Pruner.Prune(model, new AllocationOptions(1.3));
        var exact = ExactnessCheck.Run(result.MaskedOriginal, result.Pruned);
        Assert.True(exact.Passed, $"relative difference {exact.RelativeDiff:E2}");
        var prunedSin = result.Pruned.Graph.Nodes.Single(n => n.OpType == "Sin");
        var types = ShapeInference.Run(result.Pruned.Graph, model.OnnxOpset, batch: 1);
        Assert.Equal(8, types.ShapeOf(prunedSin.Inputs[0])![1].Value);
        Assert.True(MacCount.PerSample(result.Pruned.Graph, model.OnnxOpset) * 1.25 < MacCount.PerSample(model.Graph, model.OnnxOpset));
    }

    [Fact]
    public void ExactnessCheckCatchesARewriteThatDiffersFromTheMask()
    {
        // Removing units 0 and 1 but comparing against the mask of units 2 and 3 must fail: the
        // check is not vacuous.
        var model = TestModelZoo.Chain();
        var analysis = ChannelAnalysis.Run(model.Graph, model.OnnxOpset);
        var g = analysis.PrunableGroups.First();
        var pruned = model.CloneWithGraph(GraphPruner.Prune(analysis, new PruningPlan().Remove(g.Id, [0, 1])));
        var masked = model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, new PruningPlan().Remove(g.Id, [2, 3])));
        Assert.False(ExactnessCheck.Run(masked, pruned).Passed);
        var right = model.CloneWithGraph(GraphPruner.MaskOriginal(analysis, new PruningPlan().Remove(g.Id, [0, 1])));
        Assert.True(ExactnessCheck.Run(right, pruned).Passed);
    }
}
