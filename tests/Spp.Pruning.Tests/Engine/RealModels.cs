using Spp.Frontend;
using Spp.Graph;
using Spp.Pruning.Data;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>The reference models of models/ and their sample batches (models/README.md).</summary>
public static class RealModels
{
    public static readonly string[] Files =
        ["resnet20.bn.onnx", "resnet20.onnx", "vgg11s.bn.onnx", "vgg11s.onnx", "mbv2s.bn.onnx", "mbv2s.onnx"];

    public static TheoryData<string, string> ByBackend()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All.Keys)
            foreach (var f in Files)
                data.Add(backend, f);
        return data;
    }

    public static Model Load(string file) => OnnxReader.Read(RepoPaths.Model(file));

    /// <summary>The first <paramref name="count"/> images of NAME.ref.npz, their PyTorch logits and labels.</summary>
    public static (Tensor Images, float[] Logits, long[] Labels) Sample(string file, int count)
    {
        var npz = Npy.ReadNpz(RepoPaths.Model(file.Split('.')[0] + ".ref.npz"));
        var images = npz["input"];
        long per = images.ElementCount / images.Dims[0];
        var pixels = images.ToFloats()[..(int)(count * per)];
        var logits = npz["logits"].ToFloats()[..(count * 10)];
        var labels = npz["labels"].ToInt64s()[..count];
        return (Tensor.FromFloats("input", [count, .. images.Dims[1..]], pixels), logits, labels);
    }
}
