using System.Diagnostics;

namespace Spp.Pruning.Engine;

/// <summary>
/// Where a training step's time goes: wall time per op type and pass (forward, backward) plus the
/// graph-level work around the ops (gating, zeroing gradients, the optimizer), summed over the
/// steps it saw. Set on <see cref="ExecContext.Profile"/> to collect; the CPU backend is
/// synchronous, so wall time around a kernel call is that kernel's time (an asynchronous GPU
/// backend would need a synchronize per entry).
/// </summary>
public sealed class OpProfile
{
    private readonly Dictionary<(string Op, string Pass), (double Seconds, long Calls)> _entries = [];

    public long Steps { get; set; }

    /// <summary>Key kernels by op type and shapes (input 0 -> output 0) instead of op type alone: which layers are slow.</summary>
    public bool PerShape { get; init; }

    /// <summary>The entry a kernel's time goes to.</summary>
    public string KeyOf(OpKernel kernel)
    {
        // A kernel that took over the activation after it shows both (BatchNormalization+Relu).
        string op = kernel.FusedActivation is { } a ? $"{kernel.Node.OpType}+{a.Op}" : kernel.Node.OpType;
        if (!PerShape) return op;
        string Shape(TrainTensor? t) => t is null ? "?" : string.Join("x", t.Shape);
        return $"{op} {Shape(kernel.Inputs.FirstOrDefault())}->{Shape(kernel.Outputs.FirstOrDefault())}";
    }

    public void Add(string op, string pass, long startTimestamp)
    {
        double s = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        _entries[(op, pass)] = _entries.TryGetValue((op, pass), out var e) ? (e.Seconds + s, e.Calls + 1) : (s, 1);
    }

    /// <summary>Entries, largest first, as (op, pass, milliseconds per step, calls per step).</summary>
    public IEnumerable<(string Op, string Pass, double MsPerStep, double CallsPerStep)> PerStep()
    {
        long steps = Math.Max(1, Steps);
        return _entries.OrderByDescending(e => e.Value.Seconds)
            .Select(e => (e.Key.Op, e.Key.Pass, 1e3 * e.Value.Seconds / steps, (double)e.Value.Calls / steps));
    }

    public void Clear()
    {
        _entries.Clear();
        Steps = 0;
    }
}
