using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Whole reference models (BN kept and BN folded) in eval mode equal ONNX Runtime, and
/// PyTorch's logits, on the models' sample images, to 1e-4 of the logits' scale.</summary>
public sealed class ModelForwardTests
{
    private const int Images = 8;

    public static TheoryData<string, string> Cases => RealModels.ByBackend();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Eval_forward_matches_onnx_runtime_and_pytorch(string backend, string file)
    {
        var model = RealModels.Load(file);
        var (images, pytorch, _) = RealModels.Sample(file, Images);
        var ort = OrtHarness.Run(model, new Dictionary<string, Graph.Tensor> { ["input"] = images })[0].ToFloats();

        using var run = new EngineRun(model, Images, backend);
        run.SetInputs(new Dictionary<string, Graph.Tensor> { ["input"] = images });
        var ours = run.Forward()[0];
        Compare.Close(ort, ours, 1e-4, $"{file} vs ONNX Runtime");
        Compare.Close(pytorch, ours, 1e-4, $"{file} vs PyTorch");
    }
}
