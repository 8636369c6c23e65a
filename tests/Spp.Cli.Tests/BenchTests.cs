using System.Text.Json;
using Spp.Backend.Onnx;
using Spp.Frontend;
using Spp.Graph;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Cli.Tests;

public class BenchTests
{
    [Fact]
    public void TwoModelsGiveTimingsRatiosAndMacRatio()
    {
        using var tmp = RepoPaths.Temp();
        string original = RepoPaths.Model("vgg11s.onnx"), pruned = tmp.File("vgg11s.slim.onnx");
        OnnxWriter.Write(L1Pruner.Prune(OnnxReader.Read(original), new AllocationOptions(2)).Pruned, pruned);

        var r = Sppc.Run("bench", original, pruned, "--batch", "1,4", "--runs", "5", "--warmup", "1", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var j = JsonDocument.Parse(r.Stdout).RootElement;
        long macsA = MacCount.PerSample(OnnxReader.Read(original).Graph, 13), macsB = MacCount.PerSample(OnnxReader.Read(pruned).Graph, 13);
        Assert.Equal((double)macsA / macsB, j.GetProperty("macRatio").GetDouble(), 9);
        Assert.Equal(1, j.GetProperty("threads").GetInt32());
        var batches = j.GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal([1, 4], batches.Select(b => b.GetProperty("batch").GetInt32()));
        foreach (var b in batches)
        {
            var m = b.GetProperty("models").EnumerateArray().ToList();
            Assert.Equal(["vgg11s.onnx", "vgg11s.slim.onnx"], m.Select(x => x.GetProperty("label").GetString()));
            Assert.All(m, x => Assert.True(x.GetProperty("runs").GetInt32() == 5 && x.GetProperty("medianMs").GetDouble() > 0));
            double ratio = m[0].GetProperty("medianMs").GetDouble() / m[1].GetProperty("medianMs").GetDouble();
            Assert.Equal(ratio, b.GetProperty("latencyRatio").GetDouble(), 9);
            int batch = b.GetProperty("batch").GetInt32();
            Assert.Equal(batch / (m[0].GetProperty("medianMs").GetDouble() / 1000), m[0].GetProperty("imagesPerSecond").GetDouble(), 6);
        }

        var table = Sppc.Run("bench", original, "--batch", "2", "--runs", "3", "--device", "cpu");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("vgg11s.onnx", table.Stdout);
        Assert.Contains("3 timed runs", table.Stdout);
    }

    [Fact]
    public void BadRequestsAreOneLine()
    {
        string model = RepoPaths.Model("resnet20.onnx");
        Sppc.AssertBadInput(Sppc.Run("bench", model, "--batch", "1,x"), "--batch 1,x");
        Sppc.AssertBadInput(Sppc.Run("bench", model, "--runs", "0"), "--runs 0");
        Sppc.AssertBadInput(Sppc.Run("bench", model, "--threads", "-1"), "--threads -1");
        Sppc.AssertBadInput(Sppc.Run("bench", model, RepoPaths.Fixture("families", "alexnet.onnx"), "--runs", "1"), "alexnet.onnx", "same inputs");
        Sppc.AssertBadInput(Sppc.Run("bench", model, "/nonexistent/m.onnx"), "/nonexistent/m.onnx");
    }
}
