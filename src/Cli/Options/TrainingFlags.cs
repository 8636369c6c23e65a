using System.CommandLine;
using Spp.Pruning.Data;
using Spp.Pruning.Training;

namespace Spp.Cli.Options;

/// <summary>Flags of the training engine, shared by the main job (with --data) and `sppc finetune`.</summary>
/// <param name="distillByDefault">The main job distills from the original model unless told not to:
/// recovering a pruned network from its own unpruned teacher costs a forward pass per step and, at the
/// same epochs, gains 0.3-0.4 points at 4x on the reference models (resnet20 92.71% -> 93.04%, mbv2s
/// 91.85% -> 92.22%). `sppc finetune` trains a model against itself, where a teacher adds nothing by default.</param>
public sealed class TrainingFlags(bool distillByDefault = false)
{
    public Option<string?> Data { get; } = new("--data") { Description = "training data (IDX images file, CIFAR batches, .npz, image folder); unlabeled data needs --distill" };
    public Option<double> Epochs { get; } = new("--epochs") { Description = "training budget in epochs over --data (pruning and fine-tuning together)", DefaultValueFactory = _ => 10 };
    public Option<float> Lr { get; } = new("--lr") { Description = "peak learning rate: constant while pruning, cosine to 0 while fine-tuning (default 0.02: a fifth of a typical original 0.1)", DefaultValueFactory = _ => 0.02f };
    public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "weight decay on weights", DefaultValueFactory = _ => 2.5e-4f };
    public Option<float> Momentum { get; } = new("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9f };
    public Option<bool> Nesterov { get; } = new("--nesterov") { Description = "Nesterov momentum" };
    public Option<float?> ClipNorm { get; } = new("--clip-norm") { Description = "clip gradients to this global L2 norm" };
    public Option<int> TrainBatch { get; } = new("--batch") { Description = "training batch size (also the batch of accuracy runs and of the latency check)", DefaultValueFactory = _ => 128 };
    public Option<int> Seed { get; } = new("--seed") { Description = "seed of shuffling, augmentation, masks (same seed, same result on the CPU)", DefaultValueFactory = _ => 0 };
    public Option<bool> Distill { get; } = new("--distill")
    {
        Description = "distill from the original model as teacher (KL at temperature --temperature), mixed with labels when there are any"
            + (distillByDefault ? " (default; --no-distill turns it off)" : ""),
        DefaultValueFactory = _ => distillByDefault,
    };
    public Option<bool> NoDistill { get; } = new("--no-distill") { Description = "train on the labels alone, without the original model as teacher" };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "distillation temperature", DefaultValueFactory = _ => 4 };
    public Option<float> LabelWeight { get; } = new("--label-weight") { Description = "with distillation: share of the label loss (0 = teacher only, 1 = labels only)", DefaultValueFactory = _ => 0.5f };
    public Option<string> BatchNorm { get; } = BatchNormOption();
    public Option<string?> Augment { get; } = new("--augment") { Description = "training augmentation: crop:PAD[,flip] (e.g. crop:2,flip), or none" };

    private static Option<string> BatchNormOption()
    {
        var o = new Option<string>("--bn") { Description = "BatchNormalization while training: train (batch statistics, running ones updated and recalibrated) or frozen (running statistics, never changed)", DefaultValueFactory = _ => "train" };
        o.AcceptOnlyFromAmong("train", "frozen");
        return o;
    }

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { Data, Epochs, Lr, WeightDecay, Momentum, Nesterov, ClipNorm, TrainBatch, Seed, Distill, Temperature, LabelWeight, Augment, BatchNorm })
            c.Add(o);
        if (distillByDefault) c.Add(NoDistill);
    }

    public TrainingOptions Parse(ParseResult r)
    {
        double epochs = r.GetValue(Epochs);
        if (!(epochs > 0) || double.IsInfinity(epochs)) throw new UsageException($"--epochs {epochs}: must be a positive number");
        float lr = r.GetValue(Lr);
        if (!(lr > 0)) throw new UsageException($"--lr {lr}: must be positive");
        int batch = r.GetValue(TrainBatch);
        if (batch < 1) throw new UsageException($"--batch {batch}: must be >= 1");
        float t = r.GetValue(Temperature);
        if (!(t > 0)) throw new UsageException($"--temperature {t}: must be positive");
        bool distill = r.GetValue(Distill) && !(distillByDefault && r.GetValue(NoDistill));
        float labelWeight = r.GetValue(LabelWeight);
        if (!(labelWeight >= 0 && labelWeight <= 1)) throw new UsageException($"--label-weight {labelWeight}: must be in [0, 1]");
        return new TrainingOptions
        {
            Epochs = epochs, Batch = batch, Lr = lr, WeightDecay = r.GetValue(WeightDecay), Momentum = r.GetValue(Momentum),
            Nesterov = r.GetValue(Nesterov), ClipNorm = r.GetValue(ClipNorm), Seed = r.GetValue(Seed),
            Augmentation = ParseAugment(r.GetValue(Augment)),
            DistillLabelWeight = distill ? labelWeight : null, Temperature = t,
            BatchNorm = r.GetValue(BatchNorm) == "frozen" ? BatchNormMode.Frozen : BatchNormMode.Train,
        };
    }

    private static Augmentation? ParseAugment(string? text)
    {
        if (text is null or "none") return null;
        int pad = 0;
        bool flip = false;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part == "flip") flip = true;
            else if (part.StartsWith("crop:", StringComparison.Ordinal) && int.TryParse(part[5..], out int p) && p >= 0) pad = p;
            else throw new UsageException($"--augment {text}: expected crop:PAD and/or flip, comma-separated");
        }
        return new Augmentation(pad, 0f, flip);
    }
}
