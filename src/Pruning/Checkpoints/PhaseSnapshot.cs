using Spp.Pruning.Engine;
using Spp.Pruning.Methods;
using Spp.Pruning.Training;

namespace Spp.Pruning.Checkpoints;

/// <summary>
/// What a training phase is at a step boundary, in a <see cref="CheckpointData"/> and back: every
/// parameter's weights and momentum, the BatchNorm running statistics, the step counts (Dropout's
/// RNG and the learning-rate position), the curve so far, and the pruning method's state. Shuffling,
/// augmentation and SPP masks are keyed by seed, epoch, batch and step, so the loop position
/// restores their RNGs too.
/// </summary>
public static class PhaseSnapshot
{
    private const string Weights = "weight:", Velocities = "velocity:", Statistics = "state:";

    public static CheckpointData Capture(StepBoundary b, Trainer trainer, IReadOnlyList<CurvePoint> curve, IPruningMethod? method)
    {
        var d = new CheckpointData(b.Phase, b.Position);
        d.Values["trainerSteps"] = trainer.Steps;
        d.Values["optimizerSteps"] = trainer.OptimizerSteps;
        d.Values["curve"] = CheckpointJson.ToNode(curve);
        if (method?.SaveState() is { } state) d.Values["method"] = state;
        var g = trainer.Graph;
        foreach (var p in g.Parameters)
        {
            d.Tensors[Weights + p.Name] = Download(g.K, p.Master, p.Tensor.Count);
            d.Tensors[Velocities + p.Name] = Download(g.K, p.Velocity, p.Tensor.Count);
        }
        foreach (var s in g.State.Values) d.Tensors[Statistics + s.Name] = Download(g.K, s.Data, s.Count);
        return d;
    }

    /// <summary>Puts the saved phase back into a freshly built trainer (and method) and returns where
    /// its loop continues. The tensors must match the training graph one for one.</summary>
    public static LoopPosition Restore(CheckpointData d, Trainer trainer, List<CurvePoint> curve, IPruningMethod? method, PruneContext? ctx)
    {
        var g = trainer.Graph;
        var expected = g.Parameters.SelectMany(p => new[] { (Weights + p.Name, p.Master, p.Tensor.Count), (Velocities + p.Name, p.Velocity, p.Tensor.Count) })
            .Concat(g.State.Values.Select(s => (Statistics + s.Name, s.Data, s.Count))).ToList();
        if (expected.Count != d.Tensors.Count)
            throw new CheckpointFormatException($"does not fit the model ({d.Tensors.Count} tensors saved, {expected.Count} trained)");
        foreach (var (name, _, count) in expected)
            if (!d.Tensors.TryGetValue(name, out var values) || values.Length != count)
                throw new CheckpointFormatException($"does not fit the model (tensor {name[(name.IndexOf(':') + 1)..]})");
        if (method is not null) method.RestoreState(d.Values["method"], ctx!);
        var saved = CheckpointJson.FromNode<List<CurvePoint>>(d.Values["curve"], "curve");
        trainer.ContinueAt(CheckpointJson.FromNode<long>(d.Values["trainerSteps"], "step count"), CheckpointJson.FromNode<long>(d.Values["optimizerSteps"], "optimizer step count"));

        foreach (var (name, buffer, _) in expected) g.K.Upload(d.Tensors[name], buffer);
        d.Tensors.Clear();      // uploaded: the host copies are not needed any more
        curve.Clear();
        curve.AddRange(saved);
        return d.Position;
    }

    private static float[] Download(IKernels k, IBuffer buffer, long count)
    {
        var data = new float[count];
        k.Download(buffer, data);
        return data;
    }
}
