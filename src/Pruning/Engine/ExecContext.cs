namespace Spp.Pruning.Engine;

/// <summary>What op kernels get when they run: the backend, the mode and the step (for seeded
/// randomness such as dropout masks).</summary>
public sealed class ExecContext(IKernels kernels)
{
    public IKernels K { get; } = kernels;
    /// <summary>Training mode: batch statistics in BatchNormalization, active Dropout.</summary>
    public bool Training { get; set; }
    /// <summary>`--bn frozen` (spp-spec.md 3.5): in training mode BatchNormalization still normalises
    /// with its running statistics and leaves them unchanged; gradients flow through the affine map
    /// (PyTorch's BN in eval mode with trainable weight and bias). Dropout stays active.</summary>
    public bool FrozenBatchNorm { get; set; }
    public ulong Seed { get; set; }
    public ulong Step { get; set; }
    /// <summary>When set, the graph times each op's passes into it (`bench train-step --profile`).</summary>
    public OpProfile? Profile { get; set; }
}
