using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Allocation;

/// <summary>spp-spec 4 on ladders: widths are rungs, and the MAC speedup lands within 3% of the
/// target however coarse the rungs (one group may then leave its ladder).</summary>
public sealed class UniformAllocatorTests
{
    private static UniformAllocator For(string file) => new(L1Pruner.Prepare(AllModels.Load("file:" + file)).Analysis);

    [Theory]
    [InlineData("resnet20.bn.onnx", 2, 8)]
    [InlineData("mbv2s.bn.onnx", 4, 4)]
    [InlineData("vgg11s.bn.onnx", 3, 1)]
    public void RoundToIsALadderOfMultiples(string file, double speedup, int q)
    {
        var allocator = For(file);
        var a = allocator.Allocate(new AllocationOptions(speedup, RoundTo: q));
        Assert.InRange(a.PredictedSpeedup, speedup, speedup * (1 + UniformAllocator.Overshoot));
        Assert.Null(a.OffLadder);
        Assert.All(allocator.Groups, g => Assert.True(a.Kept[g.Id] % q == 0 || a.Kept[g.Id] == g.Width, $"group {g.Id}: {a.Kept[g.Id]}"));
    }

    [Theory]
    [InlineData("vgg11s.bn.onnx", 4)]
    [InlineData("mbv2s.bn.onnx", 2)]
    [InlineData("resnet20.bn.onnx", 2)]
    public void CoarseRungsStillLandWithinThreePercent(string file, double speedup)
    {
        var allocator = For(file);
        var ladders = allocator.Groups.ToDictionary(g => g.Id, g => WidthLadder.Multiples(g.Width, 16));
        var a = allocator.Allocate(new AllocationOptions(speedup), ladders);
        Assert.InRange(a.PredictedSpeedup, speedup, speedup * (1 + UniformAllocator.Overshoot));
        // Every group on its ladder but at most one.
        var off = allocator.Groups.Where(g => !ladders[g.Id].Rungs.Contains(a.Kept[g.Id])).Select(g => g.Id).ToList();
        Assert.True(off.Count <= 1, $"groups off their ladders: {string.Join(",", off)}");
        Assert.Equal(off.Count == 1 ? off[0] : null, a.OffLadder);
        // vgg11s's few groups in 16-channel rungs reach only 4.16x (outside the 3%) without it.
        if (file == "vgg11s.bn.onnx") Assert.NotNull(a.OffLadder);
    }

    /// <summary>Trades fine-tune, they do not gut a group: resnet20 at 4x on the ladders its
    /// latency model gave (stage 1's groups with every narrow width, stage 2's 16 or 32 and a few
    /// below, stage 3's blocks of 16). One trade after another took the stream from 7 to 6 of 16
    /// channels to give a last-stage group 48 of 64; no trade may now remove a larger share of a
    /// group than the most any group had lost before the trades.</summary>
    [Fact]
    public void TradesRemoveNoLargerShareThanTheUniformWidthsDid()
    {
        var allocator = For("resnet20.bn.onnx");
        var ladders = allocator.Groups.ToDictionary(g => g.Id, g => g.Width switch
        {
            16 => new WidthLadder(16, g.Id == 1 ? [4, 5, 6, 7, 8, 10] : Enumerable.Range(4, 9)),
            32 => new WidthLadder(32, [8, 9, 10, 11, 16]),
            _ => new WidthLadder(g.Width, [16, 32, 48]),
        });
        var a = allocator.Allocate(new AllocationOptions(4), ladders);
        Assert.InRange(a.PredictedSpeedup, 4, 4 * 1.03);
        double mostRemoved = allocator.Groups.Max(g => 1 - (double)a.Kept[g.Id] / g.Width);
        Assert.True(mostRemoved <= 1 - 7.0 / 16 + 1e-9, $"a group lost {mostRemoved:P0}: {string.Join(", ", a.Kept.OrderBy(kv => kv.Key).Select(kv => kv.Value))}");
    }
}
