using Spp.Backend.Runtime;
using Spp.Backend.Verification;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Backend.Tests.Profiling;

/// <summary>What the latency model times must run: every prunable group's cut-out of every test
/// model and CNN family loads in ONNX Runtime and runs at its full width and at half of it, at a
/// batch size other than the one channel analysis infers shapes at (1).</summary>
public class CutOutRunsTests
{
    public static TheoryData<string> Models() => AllModels.NamesWithFamilies();

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryCutOutRunsAtFullAndHalfWidth(string name)
    {
        var (model, analysis) = L1Pruner.Prepare(AllModels.Load(name));
        var symbolic = ShapeInference.Run(model.Graph, model.OnnxOpset);
        foreach (var g in analysis.PrunableGroups)
        {
            var cut = GroupSubgraph.Extract(analysis, g, symbolic);
            foreach (int w in new[] { g.Width, Math.Max(1, g.Width / 2) }.Distinct())
            {
                var m = model.CloneWithGraph(cut.At(w, model.OnnxOpset));
                using var session = OrtModel.Load(m, OrtSettings.Default with { IntraOpThreads = 1 });
                var outputs = session.Run(RandomInputs.For(m.Graph, 3, 5));
                Assert.True(outputs.Count > 0, $"group {g.Id} at width {w}: no outputs");
            }
        }
    }
}
