using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Tests.Training;
using Spp.Pruning.Training;

namespace Spp.Pruning.Tests.Engine;

/// <summary>`--bn frozen` (spp-spec.md 3.5): BatchNormalization in training normalises with its
/// running statistics, as PyTorch's BN in eval mode with trainable weight and bias: the outputs are
/// the eval-mode outputs, gradients match finite differences through that map, and the running
/// statistics never change.</summary>
public sealed class FrozenBatchNormTests
{
    private const int Batch = 4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.WholeModel)
            foreach (var activation in new[] { "Softplus", "Relu" })
                data.Add(backend, activation);
        return data;
    }

    /// <param name="activation">Softplus stays a kernel of its own; Relu is fused into BN, whose backward then takes
    /// the affine path with the activation's mask applied in place first.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Trains_through_the_running_statistics_without_changing_them(string backend, string activation)
    {
        var model = SmallNets.ConvNet(activation: activation);
        var input = SmallNets.RandomInput(Batch * 108, 9);
        using var eval = new EngineRun(model, Batch, backend, training: false);
        eval.Graph.SetInput(0, input);
        var expected = eval.Forward();

        using var run = new EngineRun(model, Batch, backend, training: true);
        Assert.Equal(activation == "Relu", run.Graph.Kernels.Single(k => k.Node.OpType == "BatchNormalization").FusedActivation is not null);
        run.Ctx.FrozenBatchNorm = true;
        run.Graph.SetInput(0, input);
        var stats = run.Graph.State.Values.ToDictionary(s => s.Name, run.Graph.Download);
        Assert.Equal(expected, run.Forward());
        // Every parameter (conv, BN scale and bias, Gemm) against finite differences of that map.
        // Through ReLU a small step, so that no sum crosses its kink.
        GradientCheck.Run(run, $"frozen BN, {activation}", step: activation == "Relu" ? 1e-4 : 1e-2, maxPerTensor: 6);
        foreach (var (name, before) in stats) Assert.Equal(before, run.Graph.Download(run.Graph.State[name]));
    }

    [Fact]
    public void Training_with_frozen_statistics_leaves_them_as_they_came()
    {
        using var data = new TinyData();
        var model = SmallNets.ConvNet();
        var names = SmallNets.Names(model);
        var bn = model.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");
        var o = new TrainingOptions { Batch = 8, Lr = 0.05f, BatchNorm = BatchNormMode.Frozen, BatchNormCalibrationBatches = 4 };
        var trained = FineTuner.Run(new CpuKernels(), model, null, data.Source, null, o, steps: 8, [], null, CancellationToken.None);
        foreach (int i in new[] { 3, 4 })
            Assert.Equal(model.Graph.Initializers[bn.Inputs[i]].ToFloats(), trained.Graph.Initializers[bn.Inputs[i]].ToFloats());
        Assert.NotEqual(model.Graph.Initializers[names.Gamma].ToFloats(), trained.Graph.Initializers[names.Gamma].ToFloats());

        // The default trains BN in batch mode and moves them (the contrast that makes the check meaningful).
        var batchMode = FineTuner.Run(new CpuKernels(), model, null, data.Source, null, o with { BatchNorm = BatchNormMode.Train }, steps: 8, [], null, CancellationToken.None);
        Assert.NotEqual(model.Graph.Initializers[bn.Inputs[3]].ToFloats(), batchMode.Graph.Initializers[bn.Inputs[3]].ToFloats());
    }
}
