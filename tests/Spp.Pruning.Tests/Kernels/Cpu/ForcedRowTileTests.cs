using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

/// <summary>Tests that set <see cref="Conv2d.RowTiles"/>, a process-wide policy: they run alone, so that no other test's
/// convolution changes path (and bits) in the middle of a comparison.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConvPolicyCollection
{
    public const string Name = "Conv2d.RowTiles policy";
}

/// <summary>
/// Row tiles forced (<see cref="RowTilePolicy.Always"/>, as `bench -- gemm --row-tiles compare` runs them) on maps 1 to 5
/// positions wide, where every 7-position tile is mostly junk positions past the row that read the planes' slack: forward,
/// grad input and grad weight against the naive convolution.
/// </summary>
[Collection(ConvPolicyCollection.Name)]
public sealed class ForcedRowTileTests
{
    public static TheoryData<int, int, int> Cases() => new()
    {
        // width, height, output channels
        { 1, 9, 16 },
        { 2, 7, 40 },
        { 3, 5, 16 },
        { 4, 6, 64 },
        { 5, 4, 33 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Narrow_maps_match_the_naive_convolution(int width, int height, int outChannels)
    {
        // One image on one thread (two would go side by side as one wider image); 4 input channels make the depth 36
        // (row tiles need 32).
        var s = new Conv2dShape(1, 4, height, width, outChannels, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
        var before = Conv2d.RowTiles;
        try
        {
            Conv2d.RowTiles = RowTilePolicy.Always;
            // One image per layout (not side by side), so the tiles see the narrow rows themselves.
            Assert.Equal(1, SideBySideImages.PerWideImage(s, depthwise: false));
            Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Conv2d.UsesRowTiles(s, 1));
            Conv2dTests.CheckAll(s, threads: 1);
            Conv2dTests.CheckAll(s with { StrideH = 2, StrideW = 2 }, threads: 1);
        }
        finally
        {
            Conv2d.RowTiles = before;
        }
    }
}
