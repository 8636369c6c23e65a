using Spp.Graph.Ops;

namespace Spp.Graph.Channels;

/// <summary>MACs per sample as a function of a pruning plan, from each op's MAC scaling with its
/// kept input and output channels, and the MACs that depend on each group.</summary>
public static class GroupMacs
{
    /// <summary>MACs per sample of the graph after removing the plan's units (exact: MAC formulas are
    /// bilinear in input and output channel counts).</summary>
    public static double After(ChannelAnalysis analysis, IReadOnlyDictionary<string, long> keptWidths, IReadOnlyDictionary<Node, long?> baseMacs)
    {
        double total = 0;
        foreach (var node in analysis.Graph.Nodes)
        {
            if (baseMacs[node] is not long m || m == 0) continue;
            var rule = OpRegistry.Find(node);
            if (rule is null) continue;
            var (withIn, withOut) = rule.MacScaling(node);
            double f = m;
            if (withIn) f *= Ratio(analysis, keptWidths, node.Input(0));
            if (withOut) f *= Ratio(analysis, keptWidths, node.Outputs[0]);
            total += f;
        }
        return total;
    }

    private static double Ratio(ChannelAnalysis analysis, IReadOnlyDictionary<string, long> kept, string? value) =>
        value is not null && kept.TryGetValue(value, out long k) ? (double)k / analysis.Slots.Width(value) : 1.0;

    /// <summary>Per group: MACs of the nodes whose MACs change with the group's width.</summary>
    public static Dictionary<int, long> Of(ChannelAnalysis analysis)
    {
        var macs = MacCount.PerNode(analysis.Graph, analysis.Types, analysis.Opset);
        var result = analysis.Groups.ToDictionary(g => g.Id, _ => 0L);
        foreach (var g in analysis.Groups)
        {
            var values = g.Values.ToHashSet();
            foreach (var node in analysis.Graph.Nodes)
            {
                if (macs[node] is not long m || m == 0 || OpRegistry.Find(node) is not { } rule) continue;
                var (withIn, withOut) = rule.MacScaling(node);
                if ((withIn && node.Input(0) is { } i && values.Contains(i)) || (withOut && values.Contains(node.Outputs[0])))
                    result[g.Id] += m;
            }
        }
        return result;
    }
}
