using Spp.Pruning.Data;

namespace Spp.Pruning.Training;

/// <summary>How to train: budget, batch, optimizer and loss settings (spp-spec.md 5 defaults, except
/// the learning rate: weight decay 2.5e-4, momentum 0.9; lr 0.02 = original/5, not the spec's
/// original/20: at the 3-epoch budget, with distillation, 0.02 beat 0.01 on every model measured,
/// by 0.12-0.24 points; see the README's pruning table).</summary>
public sealed record TrainingOptions
{
    public double Epochs { get; init; } = 10;
    public int Batch { get; init; } = 128;
    public float Lr { get; init; } = 0.02f;
    public float Momentum { get; init; } = 0.9f;
    public float WeightDecay { get; init; } = 2.5e-4f;
    public bool Nesterov { get; init; }
    public float? ClipNorm { get; init; }
    public long WarmupSteps { get; init; }
    public int Seed { get; init; }
    public Augmentation? Augmentation { get; init; }
    /// <summary>Distill from the original model: share of the label loss (1 = labels only,
    /// 0 = teacher only); null = no teacher. Unlabeled data needs a teacher.</summary>
    public float? DistillLabelWeight { get; init; }
    public float Temperature { get; init; } = 4;
    public BatchNormMode BatchNorm { get; init; } = BatchNormMode.Train;
    /// <summary>Batches forwarded to recalibrate BatchNormalization statistics (spp-spec.md 3.5).</summary>
    public int BatchNormCalibrationBatches { get; init; } = 200;

    public SgdOptions Sgd => new() { Momentum = Momentum, WeightDecay = WeightDecay, Nesterov = Nesterov, ClipNorm = ClipNorm };
}
