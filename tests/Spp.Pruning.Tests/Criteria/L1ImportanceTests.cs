using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Criteria;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Criteria;

/// <summary>spp-spec 3.2's L1 importance (Li et al.'s filter norm, widened to every weight that reads the
/// channel), recomputed here by direct loops over the weight tensors.</summary>
public sealed class L1ImportanceTests
{
    [Fact]
    public void ProducerRowsAndConsumerColumnsAddUp()
    {
        // The Chain model: conv1 (3 to 8 channels), BN, ReLU, pool, conv2 (8 to 16), BN, ReLU, global
        // pool, Gemm (16 to 10). The 16 channels of conv2 are the group under test.
        var a = L1Pruner.Prepare(TestModelZoo.Chain()).Analysis;
        var second = a.PrunableGroups.Single(g => g.Width == 16);
        var w2 = a.Graph.Initializer(second.Units[0].Slices.Single(s => s.Role == SliceRole.Producer).Tensor)!.ToFloats();      // [16, 8, 3, 3]
        var gemm = second.Units[0].Slices.Single(s => s.Role == SliceRole.Consumer);
        var gemmWeight = a.Graph.Initializer(gemm.Tensor)!;
        var wg = gemmWeight.ToFloats();
        long[] gd = gemmWeight.Dims;
        var scores = L1Importance.Of(a, second);
        var producerOnly = L1Importance.Of(a, second, producerOnly: true);
        const int filterSize = 8 * 3 * 3; // conv2's filter: 8 input channels, 3x3
        for (int v = 0; v < 16; v++)
        {
            // BatchNorm's scale and shift of the unit count for nothing.
            double expected = 0;
            for (int i = 0; i < filterSize; i++) expected += Math.Abs(w2[v * filterSize + i]);
            Assert.Equal(expected, producerOnly[v], 4);
            // Gemm's weight read by unit v: a row (transB) or a column of the [in, out] or [out, in] matrix.
            for (long r = 0; r < gd[0]; r++)
                for (long c = 0; c < gd[1]; c++)
                    if ((gemm.Axis == 0 ? r : c) == v) expected += Math.Abs(wg[r * gd[1] + c]);
            Assert.Equal(expected, scores[v], 4);
        }
    }
}
