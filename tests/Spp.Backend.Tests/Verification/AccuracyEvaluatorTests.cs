using Spp.Backend.Runtime;
using Spp.Backend.Verification;
using Spp.Pruning.Data;
using Spp.TestModels;

namespace Spp.Backend.Tests;

public class AccuracyEvaluatorTests
{
    /// <summary>A model whose logits are its input (Flatten of [N,1,1,K]): accuracy is then known
    /// exactly from the numbers fed in, ties included.</summary>
    [Fact]
    public void RanksAsArgmaxDoesWithTies()
    {
        var b = new ModelBuilder();
        b.Output(b.Flatten(b.Input("x", 1, 1, 7)));
        using var ort = OrtModel.Load(b.Build());
        float[] logits =
        [
            0, 1, 2, 3, 4, 5, 6,      // label 6: top-1
            6, 5, 4, 3, 2, 1, 0,      // label 4: rank 4, top-5 only
            1, 1, 1, 1, 1, 1, 1,      // label 0: all tied, first index wins: top-1
            1, 1, 1, 1, 1, 1, 1,      // label 6: six tied before it: miss
            float.NaN, 0, 0, 0, 0, 0, 0, // label 0: NaN is a miss
        ];
        var r = AccuracyEvaluator.Run(ort, [(logits, [5, 1, 1, 7], [6, 4, 0, 6, 0])]);
        Assert.Equal((5L, 2L, 3L, 7), (r.Count, r.Top1Correct, r.Top5Correct, r.Classes));
        Assert.Equal(0.4, r.Top1);
        Assert.Equal(0.6, r.Top5);
    }

    /// <summary>On the reference images of each real model, ORT's accuracy equals the one computed
    /// from the PyTorch logits stored beside them.</summary>
    [Theory]
    [InlineData("resnet20")]
    [InlineData("mbv2s")]
    public void MatchesPyTorchLogitsOnReferenceImages(string name)
    {
        var arrays = Npy.ReadNpz(RepoPaths.Model(name + ".ref.npz"));
        var torch = arrays["logits"].ToFloats();
        var labels = arrays["labels"].ToInt64s();
        int top1 = 0, top5 = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            var z = torch.AsSpan(n * 10, 10);
            int rank = 0;
            for (int j = 0; j < 10; j++) if (z[j] > z[(int)labels[n]]) rank++;
            if (rank == 0) top1++;
            if (rank < 5) top5++;
        }

        using var src = DataSources.Open(RepoPaths.Model(name + ".ref.npz"), new Preprocessing(channels: 1, height: 28, width: 28));
        using var ort = OrtModel.Load(RepoPaths.Model(name + ".onnx"));
        int seen = 0;
        var r = AccuracyEvaluator.Run(ort, new BatchIterator(src, 24).Epoch().Select(x => (x.Inputs, x.Dims, x.Labels)), k => seen += k);
        Assert.Equal(64, seen);
        Assert.Equal((64L, (long)top1, (long)top5), (r.Count, r.Top1Correct, r.Top5Correct));
    }
}
