using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Pruning.Criteria;

/// <summary>
/// spp-spec.md section 3.2: importance of a unit = sum of the L1 norms of its weight slices (producer
/// rows and consumer columns of Conv/ConvTranspose/Gemm/MatMul weights, summed over every tensor of
/// the unit). Biases and BN parameters are excluded. With <c>producerOnly</c>, only producer rows
/// count (Li et al. exactly).
/// </summary>
public static class L1Importance
{
    public static double[] Of(ChannelAnalysis analysis, ChannelGroup group, bool producerOnly = false)
    {
        var cache = new Dictionary<string, float[]?>();
        return Of(analysis, group, name => cache.TryGetValue(name, out var d) ? d
            : cache[name] = ValueOf(analysis, name) is { } t && t.ElementType.IsFloatingPoint() ? t.ToFloats() : null, producerOnly);
    }

    /// <summary>The same from current weights (<paramref name="weights"/> gives a tensor's values by
    /// name, null for tensors it does not hold), e.g. while training.</summary>
    public static double[] Of(ChannelAnalysis analysis, ChannelGroup group, Func<string, float[]?> weights, bool producerOnly = false)
    {
        var scores = new double[group.Width];
        foreach (var unit in group.Units)
            foreach (var s in unit.Slices)
            {
                if (s.Role == SliceRole.Parameter || (producerOnly && s.Role != SliceRole.Producer)) continue;
                if (weights(s.Tensor) is not { } data || ValueOf(analysis, s.Tensor) is not { } t) continue;
                scores[unit.Index] += SliceL1(data, t.Dims, s);
            }
        return scores;
    }

    /// <summary>The units with the smallest scores (ties: smaller index first).</summary>
    public static IEnumerable<int> Smallest(double[] scores, int count) =>
        Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ThenBy(i => i).Take(count);

    private static Tensor? ValueOf(ChannelAnalysis analysis, string name) => analysis.Graph.Initializer(name) ?? analysis.Types.ValueOf(name);

    private static double SliceL1(float[] data, long[] dims, TensorSlice s)
    {
        long inner = 1;
        for (int a = s.Axis + 1; a < dims.Length; a++) inner *= dims[a];
        long outer = 1;
        for (int a = 0; a < s.Axis; a++) outer *= dims[a];
        double sum = 0;
        for (long o = 0; o < outer; o++)
        {
            long start = (o * dims[s.Axis] + s.Start) * inner;
            for (long i = 0; i < s.Length * inner; i++) sum += Math.Abs(data[start + i]);
        }
        return sum;
    }
}
