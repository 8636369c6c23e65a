using Spp.Backend.Verification;
using Spp.Frontend;
using Spp.Graph;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Backend.Tests;

/// <summary>The coverage headline: every CNN family exported from PyTorch prunes to 2x fewer MACs
/// from the ONNX file alone, the pruned model equals the masked original in ONNX Runtime, and the
/// original still reproduces PyTorch's logits (so the fixture itself is sound).</summary>
public class FamilyCoverageTests
{
    public static TheoryData<string> Families()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Fixture("families"), "*.onnx").Order()) d.Add(Path.GetFileName(f));
        return d;
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void PrunesToHalfTheMacsExactly(string file)
    {
        var model = OnnxReader.Read(RepoPaths.Fixture("families", file));
        var types = ShapeInference.Run(model.Graph, model.OnnxOpset, batch: 1);
        var macs = MacCount.PerNode(model.Graph, types, model.OnnxOpset);
        Assert.All(model.Graph.Nodes, n => Assert.True(macs[n] is not null, $"MACs of {n} unknown: shapes not inferred"));

        var result = L1Pruner.Prune(model, new AllocationOptions(2));
        double before = MacCount.PerSample(model.Graph, model.OnnxOpset);
        double after = MacCount.PerSample(result.Pruned.Graph, result.Pruned.OnnxOpset);
        Assert.InRange(before / after, 2.0, 2.06);

        var exact = ExactnessCheck.Run(result.MaskedOriginal, result.Pruned);
        Assert.True(exact.Passed, $"{file}: relative difference {exact.RelativeDiff:E2}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void OnnxRuntimeReproducesPyTorchOnTheFixture(string file)
    {
        var model = OnnxReader.Read(RepoPaths.Fixture("families", file));
        var reference = Spp.Pruning.Data.Npy.ReadNpz(RepoPaths.Fixture("families", file.Split('.')[0] + ".ref.npz"));
        var outputs = OrtHarness.Run(model, new Dictionary<string, Tensor> { ["input"] = reference["input"] });
        Assert.True(OrtHarness.MaxAbsDiff(outputs[0], reference["logits"]) < 2e-4);
    }
}
