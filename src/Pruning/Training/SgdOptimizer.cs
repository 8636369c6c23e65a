using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>Options of <see cref="SgdOptimizer"/>. Weight decay applies only to parameters with
/// <see cref="Parameter.Decay"/> (weights, not biases or normalisation parameters).</summary>
public sealed record SgdOptions
{
    public float Momentum { get; init; } = 0.9f;
    public float WeightDecay { get; init; }
    public bool Nesterov { get; init; }
    /// <summary>When set, gradients are scaled so their global L2 norm (over all parameters) is at
    /// most this, before weight decay (as torch.nn.utils.clip_grad_norm_ before the step).</summary>
    public float? ClipNorm { get; init; }
}

/// <summary>
/// SGD with momentum (PyTorch's form: v = m v + g, w -= lr v, or with Nesterov w -= lr (g + m v)),
/// through <see cref="IKernels.Sgd"/> so that elements frozen by a parameter's
/// <see cref="Parameter.Freeze"/> masks keep their value and velocity (spp-spec.md 3.4).
/// </summary>
public sealed class SgdOptimizer : IDisposable
{
    private readonly IKernels _k;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly IBuffer _norm, _unit, _clipped;

    public SgdOptions Options { get; }
    public LearningRateSchedule Schedule { get; }
    /// <summary>Steps taken so far; the next step uses the schedule's rate at this index.</summary>
    public long StepCount { get; private set; }
    /// <summary>Global gradient norm of the last step (computed only when clipping).</summary>
    public double LastGradNorm { get; private set; } = double.NaN;

    public SgdOptimizer(IKernels k, IReadOnlyList<Parameter> parameters, SgdOptions options, LearningRateSchedule schedule)
    {
        _k = k;
        _parameters = parameters;
        Options = options;
        Schedule = schedule;
        _norm = k.Allocate(1);
        _unit = k.Allocate(1);
        _clipped = k.Allocate(Math.Max(1, parameters.Select(p => p.Tensor.Count).DefaultIfEmpty(1).Max()));
    }

    /// <summary>Continues a saved run: the next step uses the schedule's rate at <paramref name="stepCount"/>.</summary>
    public void ContinueAt(long stepCount) => StepCount = stepCount >= 0 ? stepCount : throw new ArgumentOutOfRangeException(nameof(stepCount));

    /// <summary>One step over every parameter with the gradients in place; returns the rate used.</summary>
    public float Step()
    {
        float lr = Schedule.At(StepCount);
        float scale = Options.ClipNorm is float max ? ClipScale(max) : 1;
        foreach (var p in _parameters)
        {
            var grad = p.Tensor.Grad ?? throw new TrainingException($"parameter '{p.Name}' has no gradient");
            if (scale != 1)
            {
                _k.Unary(UnaryOp.Scale, scale, 0, grad, _clipped, p.Tensor.Count);
                grad = _clipped;
            }
            var d = new SgdDesc(p.Tensor.Count, lr, Options.Momentum, p.Decay ? Options.WeightDecay : 0, Options.Nesterov);
            _k.Sgd(d, p.Master, grad, p.Velocity, p.Freeze);
        }
        StepCount++;
        return lr;
    }

    /// <summary>min(1, max / norm) for the global L2 norm of all gradients, summed on the backend:
    /// AxisDot with one unit spanning a whole tensor is its squared norm.</summary>
    private float ClipScale(float max)
    {
        _k.Fill(_norm, 0, 0, 1);
        foreach (var p in _parameters)
        {
            var g = p.Tensor.Grad!;
            _k.AxisDot(new AxisMask(_unit, p.Tensor.Count, 1), g, g, _norm, p.Tensor.Count);
        }
        var sum = new float[1];
        _k.Download(_norm, sum);
        LastGradNorm = Math.Sqrt(sum[0]);
        return LastGradNorm > max ? (float)(max / LastGradNorm) : 1;
    }

    /// <summary>Zeroes every velocity (e.g. after retiring units or between phases).</summary>
    public void ResetVelocity()
    {
        foreach (var p in _parameters) _k.Fill(p.Velocity, 0, 0, p.Tensor.Count);
    }

    public void Dispose()
    {
        _norm.Dispose();
        _unit.Dispose();
        _clipped.Dispose();
    }
}
