using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;

namespace Spp.Cli.Pipeline;

/// <summary>What <c>--target latency</c> is about, measured on a candidate: the whole model pruned
/// to an allocation's widths against the original, at the job's batch size, interleaved, median
/// over median as <c>sppc bench</c> reports it. Which units go does not change the time, so the
/// candidate is pruned by L1 whatever the method.</summary>
public sealed class LatencyProbe(Model model, ChannelAnalysis analysis, OrtSettings settings, int batch)
{
    private static readonly LatencyOptions Timing = new([1], Runs: 20, Warmup: 2, SecondsPerBatch: 2.0, MinRuns: 7);

    public double Speedup(WidthAllocation allocation)
    {
        var slim = model.CloneWithGraph(GraphPruner.Prune(analysis, L1Pruner.Plan(analysis, allocation)));
        var r = LatencyBench.Run([new BenchModel("original", model), new BenchModel("candidate", slim)], settings, Timing with { Batches = [batch] });
        return r.Rows[0].Ratio();
    }
}
