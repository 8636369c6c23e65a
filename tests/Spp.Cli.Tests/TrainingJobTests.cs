using Spp.Backend.Reports;
using Spp.Frontend;
using Spp.Graph;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Cli.Tests;

/// <summary>The main job with training data and `sppc finetune`, end to end on the demo data (a
/// few steps only: the point is the pipeline, not the accuracy).</summary>
public class TrainingJobTests
{
    private static readonly string Train = RepoPaths.Model("data/train-images-idx3-ubyte.gz");
    private static readonly string Val = RepoPaths.Model("data/t10k-images-idx3-ubyte.gz");

    [Theory]
    [InlineData("spp")]
    [InlineData("taylor")]
    [InlineData("increg")]
    [InlineData("l1")]
    public void PrunesWhileTrainingAndWritesAVerifiedModel(string method)
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("slim.onnx"), report = tmp.File("r.json");
        var r = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--method", method, "--data", Train, "--val", Val,
            "--mean", "0.2860", "--std", "0.3530", "--epochs", "0.05", "--batch", "32", "-o", output, "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var written = OnnxReader.Read(output);
        double speedup = (double)MacCount.PerSample(OnnxReader.Read(RepoPaths.Model("resnet20.bn.onnx")).Graph, 13) / MacCount.PerSample(written.Graph, 13);
        Assert.InRange(speedup, 2.0, 2.06);
        var rep = PruneReport.FromJson(File.ReadAllText(report));
        Assert.Equal(method, rep.Method);
        Assert.True(rep.Exactness!.Passed);
        Assert.NotEmpty(rep.Training!);
        Assert.NotNull(rep.Accuracy);
        Assert.True(rep.Accuracy!.Top1After > 0.2, $"top-1 after {rep.Accuracy.Top1After}");
        Assert.Equal(rep.Groups.Sum(g => g.WidthBefore - g.WidthAfter), rep.Groups.Sum(g => g.RemovedUnits.Count));
    }

    [Fact]
    public void UnlabeledDataWithoutDistillIsABadInput()
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("x.onnx");
        var r = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--method", "spp", "-o", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--data", r.Stderr);
        Assert.False(File.Exists(output));
    }

    /// <summary>The main job distills from the original model by default, so images without labels
    /// train; --no-distill leaves only labels to learn from, and there are none.</summary>
    [Fact]
    public void UnlabeledDataTrainsByDistillationUnlessTurnedOff()
    {
        using var tmp = RepoPaths.Temp();
        var sample = Spp.Pruning.Data.Npy.ReadNpz(RepoPaths.Model("resnet20.ref.npz"));
        string data = tmp.File("unlabeled.npz"), output = tmp.File("slim.onnx");
        NpzWriter.Write(data, new Dictionary<string, NpzWriter.Array> { ["input"] = NpzWriter.Floats([64, 1, 28, 28], sample["input"].ToFloats()) });

        var off = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--data", data, "--no-distill", "--epochs", "1", "--batch", "32", "-o", output);
        Sppc.AssertBadInput(off, "unlabeled.npz", "no labels");
        Assert.False(File.Exists(output));

        var on = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--data", data, "--epochs", "1", "--batch", "32", "-o", output);
        Assert.True(on.ExitCode == 0, on.Stderr + on.Stdout);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void FinetuneTrainsAndKeepsTheStructure()
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        var r = Sppc.Run("finetune", RepoPaths.Model("resnet20.bn.onnx"), "--data", Train, "--mean", "0.2860", "--std", "0.3530",
            "--epochs", "0.05", "--batch", "32", "-o", output);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var before = OnnxReader.Read(RepoPaths.Model("resnet20.bn.onnx"));
        var after = OnnxReader.Read(output);
        Assert.Equal(MacCount.PerSample(before.Graph, 13), MacCount.PerSample(after.Graph, 13));
        // Weights moved, and BN running statistics were written back.
        var w = before.Graph.Initializers.Values.First(t => t.Dims.Length == 4);
        Assert.NotEqual(w.RawData, after.Graph.Initializers[w.Name].RawData);
        var mean = before.Graph.Nodes.First(n => n.OpType == "BatchNormalization").Inputs[3];
        Assert.NotEqual(before.Graph.Initializers[mean].RawData, after.Graph.Initializers[mean].RawData);
    }

    [Fact]
    public void FinetuneWithFrozenBatchNormKeepsTheRunningStatistics()
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        var r = Sppc.Run("finetune", RepoPaths.Model("resnet20.bn.onnx"), "--data", Train, "--mean", "0.2860", "--std", "0.3530",
            "--epochs", "0.05", "--batch", "32", "--bn", "frozen", "-o", output);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var before = OnnxReader.Read(RepoPaths.Model("resnet20.bn.onnx")).Graph;
        var after = OnnxReader.Read(output).Graph;
        var bns = before.Nodes.Where(n => n.OpType == "BatchNormalization").ToList();
        foreach (var n in bns)
            foreach (int i in new[] { 3, 4 })
                Assert.Equal(before.Initializers[n.Inputs[i]].RawData, after.Initializers[n.Inputs[i]].RawData);
        // Scale still learns through the frozen statistics.
        Assert.Contains(bns, n => !before.Initializers[n.Inputs[1]].RawData.SequenceEqual(after.Initializers[n.Inputs[1]].RawData));
    }

    /// <summary>--prune-share sets where the pruning phase ends: the validation point taken after
    /// FINALIZE (deterministic masks) falls at that share of the budget, and fine-tuning runs to the end.</summary>
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.8)]
    public void PruneShareSetsTheEndOfThePruningPhase(double share)
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("slim.onnx"), report = tmp.File("r.json");
        var r = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--method", "spp", "--data", Train, "--val", Val,
            "--mean", "0.2860", "--std", "0.3530", "--epochs", "0.1", "--batch", "32", "--prune-share", share.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--no-checkpoint", "-o", output, "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var rep = PruneReport.FromJson(File.ReadAllText(report));
        const int stepsPerEpoch = 6000 / 32;
        long total = (long)Math.Floor(0.1 * stepsPerEpoch);
        var finalize = rep.Training!.First(p => p.ValTop1 is not null);
        Assert.Equal(Math.Floor(share * 0.1 * stepsPerEpoch), Math.Round(finalize.Epoch * stepsPerEpoch));
        Assert.Equal(total, Math.Round(rep.Training!.Max(p => p.Epoch) * stepsPerEpoch));
    }

    [Theory]
    [InlineData("--prune-share", "1")]
    [InlineData("--prune-share", "0")]
    [InlineData("--label-weight", "1.5")]
    [InlineData("--label-weight", "2")]
    public void OutOfRangeTrainingFlagsAreUsageErrors(string flag, string value)
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("slim.onnx");
        var r = Sppc.Run(RepoPaths.Model("resnet20.bn.onnx"), "--speedup", "2", "--data", Train, "--epochs", "0.05", flag, value, "-o", output);
        Sppc.AssertBadInput(r, $"{flag} {value}");
        Assert.False(File.Exists(output));
    }
}
