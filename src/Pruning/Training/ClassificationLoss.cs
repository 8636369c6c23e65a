using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>Mean loss of a batch and its top-1 correct count (against the labels, or against the
/// teacher's top-1 when there are no labels).</summary>
public readonly record struct LossResult(double Loss, int Correct, int Count)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>
/// The training losses on a graph's first output (logits [N, K]), DESIGN.md "Training":
/// cross-entropy with integer labels (one-hot targets), distillation from teacher logits (Hinton et
/// al.: targets softmax(teacher / T), KL divergence of the student's softmax(logits / T), scaled by
/// T^2 so its gradients keep their size as T changes), and their mix
/// alpha * CE + (1 - alpha) * T^2 * KL. Both parts go through <see cref="IKernels.SoftCrossEntropy"/>;
/// <see cref="Compute"/> writes d(mean loss)/d(logits) into the output's gradient.
/// </summary>
public sealed class ClassificationLoss : IDisposable
{
    private readonly IKernels _k;
    private readonly IBuffer _hard, _soft, _losses, _grad;
    private readonly float[] _onehot;

    public int Batch { get; }
    public int Classes { get; }
    /// <summary>Weight of the label cross-entropy; 1 - Alpha goes to distillation.</summary>
    public float Alpha { get; }
    public float Temperature { get; }

    public ClassificationLoss(IKernels k, int batch, int classes, float alpha = 1, float temperature = 4)
    {
        if (alpha is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the label weight must lie in [0, 1]");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive");
        _k = k;
        Batch = batch;
        Classes = classes;
        Alpha = alpha;
        Temperature = temperature;
        _hard = k.Allocate((long)batch * classes);
        _soft = k.Allocate((long)batch * classes);
        _losses = k.Allocate(batch);
        _grad = k.Allocate((long)batch * classes);
        _onehot = new float[batch * classes];
    }

    /// <summary>Cross-entropy against <paramref name="labels"/> (class indices).</summary>
    public static ClassificationLoss CrossEntropy(IKernels k, int batch, int classes) => new(k, batch, classes, 1);

    /// <summary>Pure distillation at temperature <paramref name="temperature"/>.</summary>
    public static ClassificationLoss Distillation(IKernels k, int batch, int classes, float temperature) => new(k, batch, classes, 0, temperature);

    /// <summary>Loss of the graph's current outputs; when <paramref name="seedGradient"/>, also the
    /// gradient of the mean loss into the logits' gradient buffer (overwritten). Labels are needed
    /// when Alpha > 0, teacher logits ([N, K] on this backend) when Alpha &lt; 1.</summary>
    public LossResult Compute(TrainingGraph graph, ReadOnlySpan<long> labels, IBuffer? teacherLogits, bool seedGradient = true)
    {
        var logits = graph.Outputs[0];
        if (logits.Count != (long)Batch * Classes)
            throw new TrainingException($"output '{logits.Name}' {logits} is not [{Batch}, {Classes}] logits");
        if (Alpha > 0 && labels.Length != Batch) throw new ArgumentException($"{labels.Length} labels for a batch of {Batch}", nameof(labels));
        if (Alpha < 1 && teacherLogits is null) throw new ArgumentException("distillation needs teacher logits", nameof(teacherLogits));
        var dlogits = seedGradient ? logits.Grad ?? throw new TrainingException($"output '{logits.Name}' has no gradient: nothing in the graph is trainable") : null;
        int n = Batch, kk = Classes;
        double loss = 0;
        var perSample = new float[n];

        if (Alpha > 0)
        {
            Array.Clear(_onehot);
            for (int i = 0; i < n; i++)
            {
                if (labels[i] < 0 || labels[i] >= kk) throw new ArgumentException($"label {labels[i]} outside 0..{kk - 1}", nameof(labels));
                _onehot[i * kk + labels[i]] = 1;
            }
            _k.Upload(_onehot, _hard);
            _k.SoftCrossEntropy(n, kk, 1, logits.Data, _hard, _losses, dlogits, Alpha);
            _k.Download(_losses, perSample);
            loss += Alpha * perSample.Average(v => (double)v);
        }
        float[]? teacher = null;
        if (Alpha < 1)
        {
            float t = Temperature;
            // Targets softmax(teacher / T): scale, then softmax over each row.
            _k.Unary(UnaryOp.Scale, 1 / t, 0, teacherLogits!, _grad, (long)n * kk);
            _k.Softmax(new SoftmaxDesc(n, kk, 1, Log: false), _grad, _soft);
            // With label CE already in dlogits the distillation gradient goes to scratch and is added.
            var into = Alpha > 0 ? _grad : dlogits;
            _k.SoftCrossEntropy(n, kk, t, logits.Data, _soft, _losses, into, (1 - Alpha) * t * t);
            if (Alpha > 0 && dlogits is not null) _k.StridedCopy(new StridedDesc([n * kk], 0, [1], 0, [1]), _grad, dlogits, accumulate: true);
            _k.Download(_losses, perSample);
            // KL = cross-entropy - entropy of the targets.
            var targets = new float[n * kk];
            _k.Download(_soft, targets);
            double kl = 0;
            for (int i = 0; i < n; i++)
            {
                double h = 0;
                for (int j = 0; j < kk; j++) if (targets[i * kk + j] > 0) h -= targets[i * kk + j] * Math.Log(targets[i * kk + j]);
                kl += perSample[i] - h;
            }
            loss += (1 - Alpha) * t * t * kl / n;
            teacher = new float[n * kk];
            _k.Download(teacherLogits!, teacher);
        }

        var scores = new float[n * kk];
        _k.Download(logits.Data, scores);
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            long truth = Alpha > 0 ? labels[i] : ArgMax(teacher!.AsSpan(i * kk, kk));
            if (ArgMax(scores.AsSpan(i * kk, kk)) == truth) correct++;
        }
        return new LossResult(loss, correct, n);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    public void Dispose()
    {
        _hard.Dispose();
        _soft.Dispose();
        _losses.Dispose();
        _grad.Dispose();
    }
}
