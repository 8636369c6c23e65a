namespace Spp.Pruning.Training;

/// <summary>
/// Learning rate per optimizer step: a linear warm-up from Base/Warmup to Base over the first
/// <see cref="Warmup"/> steps, then constant, cosine decay (to <see cref="Final"/> at
/// <see cref="TotalSteps"/>), or step decay (times <see cref="Gamma"/> every
/// <see cref="StepSize"/> steps after warm-up). spp-spec.md 5: constant during SPP, cosine over
/// fine-tuning.
/// </summary>
public sealed record LearningRateSchedule
{
    public enum Shape { Constant, Cosine, Step }

    public required float Base { get; init; }
    public Shape Kind { get; init; } = Shape.Constant;
    public long Warmup { get; init; }
    /// <summary>Cosine: the step at which the rate reaches <see cref="Final"/>.</summary>
    public long TotalSteps { get; init; }
    public float Final { get; init; }
    /// <summary>Step decay: the period and the factor.</summary>
    public long StepSize { get; init; }
    public float Gamma { get; init; } = 0.1f;

    public static LearningRateSchedule Constant(float lr, long warmup = 0) => new() { Base = lr, Warmup = warmup };

    public static LearningRateSchedule Cosine(float lr, long totalSteps, long warmup = 0, float final = 0) =>
        new() { Base = lr, Kind = Shape.Cosine, TotalSteps = totalSteps, Warmup = warmup, Final = final };

    public static LearningRateSchedule StepDecay(float lr, long stepSize, float gamma = 0.1f, long warmup = 0) =>
        new() { Base = lr, Kind = Shape.Step, StepSize = stepSize, Gamma = gamma, Warmup = warmup };

    /// <summary>The rate of step <paramref name="step"/> (0-based).</summary>
    public float At(long step)
    {
        if (step < Warmup) return Base * (step + 1) / Warmup;
        long t = step - Warmup;
        switch (Kind)
        {
            case Shape.Cosine:
                long span = Math.Max(1, TotalSteps - Warmup);
                double progress = Math.Min(1.0, (double)t / span);
                return (float)(Final + (Base - Final) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
            case Shape.Step:
                if (StepSize <= 0) throw new InvalidOperationException("step decay needs a positive StepSize");
                return (float)(Base * Math.Pow(Gamma, t / StepSize));
            default:
                return Base;
        }
    }
}
