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
}
