namespace Spp.Pruning.Training;

/// <summary>How BatchNormalization behaves while training (spp-spec.md 3.5, `--bn`).</summary>
public enum BatchNormMode
{
    /// <summary>Batch statistics, running statistics updated, recalibrated after each phase.</summary>
    Train,
    /// <summary>Running statistics used and never changed (the authors' Caffe ResNet-50 configs,
    /// <c>use_global_stats: true</c>); gradients still reach scale and bias.</summary>
    Frozen,
}
