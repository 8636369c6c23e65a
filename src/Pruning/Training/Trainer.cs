using System.Diagnostics;
using Spp.Graph;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Training;

/// <summary>
/// Trains one model on one backend: the training graph at the training batch, an evaluation graph
/// sharing its weights, the loss (labels, a teacher, or their mix) and SGD. Steps are driven from
/// outside so that pruning methods can set gates and read gradients between them.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly IKernels _k;
    private readonly TrainingOptions _o;
    private readonly ClassificationLoss _loss;
    private readonly TrainingGraph? _teacher;
    private readonly long[] _labels;
    private SgdOptimizer _optimizer;
    private TrainingGraph? _eval;

    public TrainingGraph Graph { get; }
    public ExecContext Context { get; }
    public int Classes { get; }
    public long Steps { get; private set; }
    /// <summary>The optimizer's own count: where the learning-rate schedule stands.</summary>
    public long OptimizerSteps => _optimizer.StepCount;

    public Trainer(IKernels k, Model model, TrainingOptions o, Model? teacher, LearningRateSchedule schedule)
    {
        _k = k;
        _o = o;
        Graph = TrainingGraph.Build(model, o.Batch, k);
        var logits = Graph.Outputs[0];
        if (logits.Shape.Length != 2) throw new TrainingException($"output '{logits.Name}' is {logits}, not [batch, classes] logits");
        Classes = logits.Shape[1];
        float alpha = o.DistillLabelWeight ?? 1;
        _loss = new ClassificationLoss(k, o.Batch, Classes, alpha, o.Temperature);
        if (alpha < 1)
        {
            if (teacher is null) throw new TrainingException("distillation needs the original model as teacher");
            _teacher = TrainingGraph.Build(teacher, o.Batch, k);
        }
        _labels = new long[o.Batch];
        _optimizer = new SgdOptimizer(k, Graph.Parameters, o.Sgd, schedule);
        Context = new ExecContext(k) { Seed = (ulong)o.Seed, FrozenBatchNorm = o.BatchNorm == BatchNormMode.Frozen };
    }

    /// <summary>Switches the learning-rate schedule (the optimizer's velocities live in the
    /// parameters and carry over); the new schedule starts at its step 0.</summary>
    public void SetSchedule(LearningRateSchedule schedule)
    {
        _optimizer.Dispose();
        _optimizer = new SgdOptimizer(_k, Graph.Parameters, _o.Sgd, schedule);
    }

    /// <summary>Continues a run saved after <paramref name="steps"/> steps (the RNG of Dropout is keyed by
    /// the step) and <paramref name="optimizerSteps"/> optimizer steps (the learning-rate position);
    /// weights, velocities and statistics are restored into the buffers separately.</summary>
    public void ContinueAt(long steps, long optimizerSteps)
    {
        Steps = steps;
        _optimizer.ContinueAt(optimizerSteps);
    }

    public float CurrentLr => _optimizer.Schedule.At(_optimizer.StepCount);

    /// <summary>Forward, loss, backward; the optimizer step is separate (<see cref="Update"/>) so
    /// that gradients can be read in between.</summary>
    public LossResult Forward(Batch batch, bool backward = true)
    {
        if (batch.Count != _o.Batch) throw new ArgumentException($"batch of {batch.Count}, the training graph takes {_o.Batch}");
        Graph.SetInput(0, batch.Inputs);
        for (int i = 0; i < batch.Count; i++) _labels[i] = batch.Labels[i];
        IBuffer? teacherLogits = null;
        if (_teacher is not null)
        {
            _teacher.SetInput(0, batch.Inputs);
            Context.Training = false;
            _teacher.Forward(Context);
            teacherLogits = _teacher.Outputs[0].Data;
        }
        Context.Training = true;
        Context.Step = (ulong)Steps;
        Graph.Forward(Context);
        if (backward) Graph.ZeroGrads(Context);
        long start = Stopwatch.GetTimestamp();
        var r = _loss.Compute(Graph, _labels, teacherLogits, seedGradient: backward);
        Context.Profile?.Add("(loss)", "forward", start);
        if (backward) Graph.Backward(Context);
        return r;
    }

    public void Update()
    {
        long start = Stopwatch.GetTimestamp();
        _optimizer.Step();
        Context.Profile?.Add("(optimizer)", "update", start);
        if (Context.Profile is { } p) p.Steps++;
        Steps++;
    }

    public LossResult Step(Batch batch)
    {
        var r = Forward(batch);
        Update();
        return r;
    }

    /// <summary>Top-1 accuracy and mean loss on labeled data, in evaluation mode, with the current
    /// weights and gates (the model that would be emitted now).</summary>
    public (double Accuracy, double Loss) Evaluate(DataSource data, int batchSize)
    {
        if (!data.IsLabeled) throw new TrainingException($"{data.Path}: evaluation needs labels");
        _eval ??= TrainingGraph.Build(Graph.Model, batchSize, _k, shareWith: Graph);
        int b = _eval.Batch;
        var ctx = new ExecContext(_k) { Training = false };
        int correct = 0;
        double loss = 0;
        var logits = new float[b * Classes];
        for (int start = 0; start < data.Count; start += b)
        {
            var indices = Enumerable.Range(start, Math.Min(b, data.Count - start)).ToList();
            var batch = data.ReadBatch(indices);
            var input = new float[_eval.Inputs[0].Count];
            batch.Inputs.CopyTo(input, 0);          // a short last batch is padded with zeros
            _eval.SetInput(0, input);
            CopyGates(Graph, _eval);
            _eval.Forward(ctx);
            _k.Download(_eval.Outputs[0].Data, logits);
            for (int i = 0; i < indices.Count; i++)
            {
                var row = logits.AsSpan(i * Classes, Classes);
                int best = 0;
                for (int c = 1; c < Classes; c++) if (row[c] > row[best]) best = c;
                if (best == batch.Labels[i]) correct++;
                double max = row[best], sum = 0;
                foreach (var v in row) sum += Math.Exp(v - max);
                loss += max + Math.Log(sum) - row[batch.Labels[i]];
            }
        }
        return ((double)correct / data.Count, loss / data.Count);
    }

    /// <summary>The evaluation graph shares parameter buffers; gates are per graph, so mirror them.</summary>
    private static void CopyGates(TrainingGraph from, TrainingGraph to)
    {
        foreach (var p in from.Parameters)
        {
            var q = to.Parameter(p.Name)!;
            q.Gates.Clear();
            q.Gates.AddRange(p.Gates);
        }
    }

    /// <summary>spp-spec.md 3.5: running statistics reset to the cumulative average of the batch
    /// statistics of up to N training batches, forwarded in training mode without updates.</summary>
    public void RecalibrateBatchNorm(BatchIterator data, int epoch)
    {
        // Frozen statistics never drift, and --bn frozen promises to leave them as they came.
        if (_o.BatchNorm == BatchNormMode.Frozen) return;
        var bns = Graph.Model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Input(3) is { } m && Graph.State.ContainsKey(m)).ToList();
        if (bns.Count == 0) return;
        var stats = bns.SelectMany(n => new[] { n.Input(3)!, n.Input(4)! }).Distinct().Select(name => Graph.State[name]).ToList();
        var momentum = new Dictionary<string, float>();
        foreach (var n in bns) momentum[n.Input(3)!] = momentum[n.Input(4)!] = n.GetFloat("momentum", 0.9f);
        var avg = stats.ToDictionary(s => s.Name, s => new double[s.Count]);
        var before = stats.ToDictionary(s => s.Name, s => new float[s.Count]);
        var after = stats.ToDictionary(s => s.Name, s => new float[s.Count]);
        int k = 0;
        foreach (var batch in data.Epoch(epoch))
        {
            if (k >= _o.BatchNormCalibrationBatches) break;
            foreach (var s in stats) _k.Download(s.Data, before[s.Name]);
            Forward(batch, backward: false);
            k++;
            foreach (var s in stats)
            {
                _k.Download(s.Data, after[s.Name]);
                float m = momentum[s.Name];
                if (m >= 1) continue;
                var a = avg[s.Name];
                for (int i = 0; i < a.Length; i++)
                {
                    // running' = m * running + (1 - m) * batch  =>  batch statistic recovered exactly.
                    double batchStat = (after[s.Name][i] - m * before[s.Name][i]) / (1 - m);
                    a[i] += (batchStat - a[i]) / k;
                }
            }
        }
        if (k == 0) return;
        foreach (var s in stats)
            if (momentum[s.Name] < 1) _k.Upload(avg[s.Name].Select(v => (float)v).ToArray(), s.Data);
    }

    public Model Export() => Graph.Export();

    public void Dispose()
    {
        _optimizer.Dispose();
        _loss.Dispose();
        _eval?.Dispose();
        _teacher?.Dispose();
        Graph.Dispose();
    }
}
