using System.Text.Json;
using Spp.Backend.Onnx;
using Spp.Pruning.Data;
using Spp.TestModels;
using Spp.TestModels.Data;

namespace Spp.Cli.Tests;

public class EvalTests
{
    private static readonly string Demo = RepoPaths.Model("data/t10k-images-idx3-ubyte.gz");

    /// <summary>Top-1/top-5 on the reference images equal those of the PyTorch logits stored with them.</summary>
    [Fact]
    public void AccuracyOnReferenceImagesMatchesPyTorch()
    {
        var arrays = Npy.ReadNpz(RepoPaths.Model("vgg11s.ref.npz"));
        var logits = arrays["logits"].ToFloats();
        var labels = arrays["labels"].ToInt64s();
        int top1 = 0, top5 = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            float y = logits[n * 10 + labels[n]];
            int rank = logits.AsSpan(n * 10, 10).ToArray().Count(v => v > y);
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
        }

        var r = Sppc.Run("eval", RepoPaths.Model("vgg11s.onnx"), "--val", RepoPaths.Model("vgg11s.ref.npz"), "--json", "--batch", "10");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var j = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal((64, top1, top5), (j.GetProperty("count").GetInt32(), j.GetProperty("top1Correct").GetInt32(), j.GetProperty("top5Correct").GetInt32()));

        var table = Sppc.Run("eval", RepoPaths.Model("vgg11s.onnx"), "--val", RepoPaths.Model("vgg11s.ref.npz"), "--device", "cpu");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains($"{100.0 * top1 / 64:0.00}% ({top1} of 64)", table.Stdout);
        Assert.Contains("CPU: --device cpu", table.Stdout);
    }

    /// <summary>The demo test subset through the IDX reader and the README's preprocessing. The same
    /// path gives resnet20 93.54% on the full Fashion-MNIST test set, the figure models/README.md
    /// reports from PyTorch and ONNX Runtime; 1,861 of these 2,000 is that run's count.</summary>
    [Fact]
    public void DemoSubsetAccuracyIsTheKnownCount()
    {
        var r = Sppc.Run("eval", RepoPaths.Model("resnet20.onnx"), "--val", Demo, "--mean", "0.2860", "--std", "0.3530", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var j = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(2000, j.GetProperty("count").GetInt32());
        Assert.Equal(1861, j.GetProperty("top1Correct").GetInt32());
        Assert.Equal(0.9305, j.GetProperty("top1").GetDouble(), 10);
    }

    [Fact]
    public void DataThatDoesNotFitIsOneLine()
    {
        using var tmp = RepoPaths.Temp();
        string model = RepoPaths.Model("resnet20.onnx");

        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", tmp.File("missing.npz")), "missing.npz");

        IdxWriter.Images(tmp.File("u-images-idx3-ubyte"), 3, 28, 28, (_, _, _) => 0, gzip: false);
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", tmp.File("u-images-idx3-ubyte")), "u-images-idx3-ubyte", "no labels");

        IdxWriter.Images(tmp.File("s-images-idx3-ubyte"), 3, 32, 32, (_, _, _) => 0, gzip: false);
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", tmp.File("s-images-idx3-ubyte")), "s-images-idx3-ubyte", "32x32", "28x28");

        NpzWriter.Write(tmp.File("many.npz"), new Dictionary<string, NpzWriter.Array>
        {
            ["input"] = NpzWriter.Floats([2, 1, 28, 28], new float[2 * 784]),
            ["labels"] = NpzWriter.Int64s([2], [3, 11]),
        });
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", tmp.File("many.npz")), "many.npz", "12 classes", "'logits' has 10");

        var b = new ModelBuilder();
        b.Output(b.Conv(b.Input("x", 1, 28, 28), 4));
        OnnxWriter.Write(b.Build(), tmp.File("features.onnx"));
        Sppc.AssertBadInput(Sppc.Run("eval", tmp.File("features.onnx"), "--val", RepoPaths.Model("resnet20.ref.npz")), "has shape [64,4,28,28]", "classifier");

        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", Demo, "--mean", "0.1,0.2,0.3"), "--mean has 3 values");
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", Demo, "--size", "32x32"), "--size 32x32");
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", Demo, "--batch", "0"), "--batch 0");
        Sppc.AssertBadInput(Sppc.Run("eval", model, "--val", Demo, "--device", "tpu"), "tpu");
    }

    /// <summary>Insisting on CUDA where it cannot run is one line saying why (skipped in effect on a
    /// machine with a working GPU, where the run succeeds instead).</summary>
    [Fact]
    public void CudaWithoutAGpuIsOneLine()
    {
        var r = Sppc.Run("eval", RepoPaths.Model("mbv2s.onnx"), "--val", RepoPaths.Model("mbv2s.ref.npz"), "--device", "cuda");
        if (r.ExitCode == 0)
        {
            Assert.Contains("CUDA", r.Stdout);
            return;
        }
        Sppc.AssertBadInput(r, "--device cuda: CUDA cannot be used here: ");
    }
}
