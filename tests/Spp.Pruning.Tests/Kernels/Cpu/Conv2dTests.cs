using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

public class Conv2dTests
{
    /// <summary>Calls body(yIndex, xIndex, wIndex) for every in-bounds tap of a naive direct convolution.</summary>
    private static void ForEachTap(Conv2dShape s, Action<long, long, long> body)
    {
        int cg = s.GroupInChannels, og = s.GroupOutChannels;
        for (int n = 0; n < s.Batch; n++)
            for (int co = 0; co < s.OutChannels; co++)
                for (int oy = 0; oy < s.OutHeight; oy++)
                    for (int ox = 0; ox < s.OutWidth; ox++)
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < s.KernelHeight; i++)
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    int iy = oy * s.StrideH - s.PadTop + i * s.DilationH;
                                    int ix = ox * s.StrideW - s.PadLeft + j * s.DilationW;
                                    if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth) continue;
                                    int ci = co / og * cg + c;
                                    long xi = (((long)n * s.InChannels + ci) * s.InHeight + iy) * s.InWidth + ix;
                                    long wi = (((long)co * cg + c) * s.KernelHeight + i) * s.KernelWidth + j;
                                    long yi = (((long)n * s.OutChannels + co) * s.OutHeight + oy) * s.OutWidth + ox;
                                    body(yi, xi, wi);
                                }
    }

    private sealed record Reference(double[] Y, double[] DX, double[] DW, double[] DB);

    private static Reference Naive(Conv2dShape s, float[] x, float[] w, float[] b, float[] dy)
    {
        var y = new double[s.OutputLength];
        var dx = new double[s.InputLength];
        var dw = new double[s.WeightLength];
        var db = new double[s.OutChannels];
        int ohw = s.OutHeight * s.OutWidth;
        for (long t = 0; t < y.Length; t++)
        {
            int co = (int)(t / ohw % s.OutChannels);
            y[t] = b[co];
            db[co] += dy[t];
        }
        ForEachTap(s, (yi, xi, wi) =>
        {
            y[yi] += (double)x[xi] * w[wi];
            dx[xi] += (double)dy[yi] * w[wi];
            dw[wi] += (double)dy[yi] * x[xi];
        });
        return new Reference(y, dx, dw, db);
    }

    internal static void CheckAll(Conv2dShape s, int threads = 0)
    {
        var x = TestData.Random(11, (int)s.InputLength);
        var w = TestData.Random(12, (int)s.WeightLength);
        var b = TestData.Random(13, s.OutChannels);
        var dy = TestData.Random(14, (int)s.OutputLength);
        var r = Naive(s, x, w, b, dy);
        var y = Enumerable.Repeat(float.NaN, (int)s.OutputLength).ToArray();
        var dx = Enumerable.Repeat(float.NaN, (int)s.InputLength).ToArray();
        var dw = Enumerable.Repeat(float.NaN, (int)s.WeightLength).ToArray();
        var db = new float[s.OutChannels];
        Conv2d.Forward(s, x, w, b, y, threads);
        Conv2d.BackwardData(s, dy, w, dx, threads);
        Conv2d.BackwardWeights(s, x, dy, dw, db, threads);
        TestData.AssertClose(r.Y, y, 1e-5, $"forward {s}");
        TestData.AssertClose(r.DX, dx, 1e-5, $"grad input {s}");
        TestData.AssertClose(r.DW, dw, 2e-5, $"grad weight {s}");
        TestData.AssertClose(r.DB, db, 2e-5, $"grad bias {s}");

        // Accumulating: onto gradients already there (an input that also feeds another branch).
        var prior = TestData.Random(15, (int)s.InputLength);
        var dxSum = (float[])prior.Clone();
        Conv2d.BackwardData(s, dy, w, dxSum, threads, accumulate: true);
        TestData.AssertClose(r.DX.Select((v, i) => v + prior[i]).ToArray(), dxSum, 1e-5, $"accumulated grad input {s}");
    }

    public static TheoryData<string> Cases => new(CaseShapes.Keys);

    private static readonly Dictionary<string, Conv2dShape> CaseShapes = new()
    {
        ["3x3 s1 p1"] = new(2, 5, 9, 11, 7, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["3x3 s2 p1"] = new(2, 4, 10, 9, 6, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["3x3 s2 wide rows"] = new(1, 3, 7, 45, 4, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 2, PadBottom = 1, PadRight = 1 },
        ["3x3 asym pad"] = new(1, 3, 8, 7, 4, 3, 3) { PadTop = 2, PadLeft = 0, PadBottom = 0, PadRight = 1 },
        ["3x3 dilation 2"] = new(2, 3, 11, 10, 5, 3, 3) { DilationH = 2, DilationW = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        ["5x5 s2 asym"] = new(2, 3, 13, 12, 4, 5, 5) { StrideH = 2, StrideW = 1, PadTop = 2, PadLeft = 1, PadBottom = 1, PadRight = 2 },
        ["1x1 pointwise"] = new(3, 8, 6, 5, 10, 1, 1),
        ["1x1 s2"] = new(2, 8, 7, 7, 6, 1, 1) { StrideH = 2, StrideW = 2 },
        ["groups 2"] = new(2, 6, 8, 8, 4, 3, 3) { Groups = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["groups 2, 10 channels each, s2"] = new(2, 20, 9, 9, 6, 3, 3) { Groups = 2, StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["groups 2 1x1"] = new(2, 6, 5, 5, 8, 1, 1) { Groups = 2 },
        ["depthwise 3x3"] = new(2, 6, 9, 9, 6, 3, 3) { Groups = 6, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["depthwise s2 asym"] = new(2, 4, 10, 11, 4, 3, 3) { Groups = 4, StrideH = 2, StrideW = 2, PadTop = 0, PadLeft = 1, PadBottom = 1, PadRight = 0 },
        ["depthwise 5x5 dil2"] = new(1, 3, 12, 12, 3, 5, 5) { Groups = 3, DilationH = 2, DilationW = 2, PadTop = 4, PadLeft = 4, PadBottom = 4, PadRight = 4 },
        ["depthwise wide rows 5x3"] = new(2, 3, 9, 37, 3, 5, 3) { Groups = 3, DilationW = 2, PadTop = 1, PadLeft = 3, PadBottom = 3, PadRight = 0 },
        ["depthwise multiplier 2"] = new(2, 3, 7, 8, 6, 3, 3) { Groups = 3, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["single input channel"] = new(3, 1, 12, 12, 5, 5, 5),
        ["single input channel, 16 outputs"] = new(2, 1, 12, 12, 16, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        ["strides 3x2, dilations 2x3"] = new(2, 4, 13, 14, 5, 3, 3) { StrideH = 3, StrideW = 2, DilationH = 2, DilationW = 3, PadTop = 1, PadLeft = 2, PadBottom = 0, PadRight = 1 },
        ["depthwise strides 2x3 dilation 2"] = new(2, 5, 12, 13, 5, 3, 3) { Groups = 5, StrideH = 2, StrideW = 3, DilationH = 2, DilationW = 2, PadTop = 2, PadLeft = 1, PadBottom = 1, PadRight = 2 },
        ["wide 3x3 (GEMM blocking)"] = new(2, 32, 12, 13, 40, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        // Stride-1 convolutions of small maps run several images side by side as one wide image.
        ["7x7 maps, batch 17 (the last wide image part empty)"] = new(17, 8, 7, 7, 9, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["side by side, asymmetric padding, dilation"] = new(5, 4, 6, 5, 6, 3, 3) { DilationW = 2, PadTop = 1, PadLeft = 2, PadBottom = 2, PadRight = 1 },
        ["one-sided padding, dilation"] = new(5, 4, 6, 5, 6, 3, 3) { DilationW = 2, PadTop = 1, PadLeft = 3, PadBottom = 2, PadRight = 0 },
        ["side by side, 3x3 stride 2 (7 -> 4)"] = new(4, 8, 7, 7, 8, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["pointwise 7x7 maps, batch 19 (side by side as one row, the last wide image part empty)"] = new(19, 12, 7, 7, 20, 1, 1),
        ["no padding (side by side where panels round up)"] = new(4, 3, 6, 6, 5, 3, 3),
        ["side by side, 16 channels (grad input as a forward conv)"] = new(7, 16, 5, 6, 12, 3, 3) { PadTop = 1, PadLeft = 2, PadBottom = 1, PadRight = 1 },
        // Small maps run forward (and stride-1 grad input) as row tiles where that computes no more multiply-adds.
        ["row tiles: 7x7, 40 channels (lanes past the channels)"] = new(3, 8, 7, 7, 40, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 8-wide rows, 64 channels (two 32-lane tiles)"] = new(2, 6, 8, 8, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 48 channels (one 48-lane tile), 14x14"] = new(2, 12, 14, 14, 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 64 channels over 45 im2col rows (grad weight's 6-row tiles overhang)"] = new(3, 5, 7, 7, 64, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 8-wide rows, 48 channels (8 x 48 tiles)"] = new(2, 6, 8, 8, 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 15-wide rows (8-position tiles, one junk position)"] = new(2, 4, 15, 15, 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 28-wide rows (tiles at both ends skip the padding taps, those between do not)"] = new(2, 8, 3, 28, 48, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 16 channels (one lane vector), 28-wide rows"] = new(2, 16, 4, 28, 16, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 32 -> 32 on 14x14 (grad input a row-tile forward convolution too)"] = new(2, 32, 14, 14, 32, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 16 -> 32 at stride 2, 14 -> 7 (grad input by phases)"] = new(2, 16, 14, 14, 32, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: 100 channels (48 + 32 + 32 lanes)"] = new(2, 4, 7, 7, 100, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["row tiles: stride 2, dilation 2, asymmetric padding"] = new(2, 6, 13, 12, 33, 3, 3) { StrideH = 2, StrideW = 2, DilationH = 2, DilationW = 2, PadTop = 2, PadLeft = 1, PadBottom = 1, PadRight = 2 },
        ["row tiles: 5x5 kernel over a 4x5 map (kernel rows outside)"] = new(2, 6, 4, 5, 24, 5, 5) { PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        // Strided grad input with input channels filling their lane vectors runs as one stride-1 row-tile correlation
        // per phase (PhaseGradInputTiles).
        ["phases: 3x3 stride 2, 16 channels"] = new(2, 16, 10, 10, 6, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["phases: 1x1 stride 2 on an odd map (odd positions reached by no tap)"] = new(2, 16, 9, 9, 5, 1, 1) { StrideH = 2, StrideW = 2 },
        ["phases: 5x3 kernel, strides 3x2, asymmetric padding, 13 channels"] = new(3, 13, 11, 12, 7, 5, 3) { StrideH = 3, StrideW = 2, PadTop = 2, PadLeft = 0, PadBottom = 1, PadRight = 2 },
        ["phases: 2x2 stride 2, no padding (one tap per phase)"] = new(2, 16, 8, 8, 4, 2, 2) { StrideH = 2, StrideW = 2 },
        ["phases: 1x1 stride 3 with padding (stride beyond the kernel)"] = new(2, 12, 10, 10, 4, 1, 1) { StrideH = 3, StrideW = 3, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["phases: 40 channels, 30-wide rows (junk positions)"] = new(2, 40, 6, 30, 8, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["phases: 64 channels (two 32-lane tiles), 14 -> 7"] = new(2, 64, 14, 14, 9, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["phases: one input row (a phase with no positions)"] = new(2, 16, 1, 9, 4, 3, 3) { StrideH = 2, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        // Depthwise convolutions with output rows of at most 8 positions run with the channels in the vector lanes
        // (ChannelLaneDepthwise).
        ["channel lanes: depthwise 7x7, 40 channels (lanes past the channels)"] = new(3, 40, 7, 7, 40, 3, 3) { Groups = 40, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["channel lanes: depthwise 5x5 on 6x5, asymmetric padding (grad input by correlation)"] = new(2, 16, 6, 5, 16, 5, 5) { Groups = 16, PadTop = 2, PadLeft = 1, PadBottom = 1, PadRight = 2 },
        ["channel lanes: depthwise stride 2 on 11x9, asymmetric padding (grad input by scatter)"] = new(2, 20, 11, 9, 20, 3, 3) { Groups = 20, StrideH = 2, StrideW = 2, PadTop = 0, PadLeft = 1, PadBottom = 1, PadRight = 0 },
        ["channel lanes: depthwise 1x1 padded beyond its reach (grad input by scatter)"] = new(2, 17, 5, 6, 17, 1, 1) { Groups = 17, PadTop = 1, PadLeft = 1, PadBottom = 0, PadRight = 1 },
        ["channel lanes: depthwise dilation 2, 33 channels"] = new(2, 33, 8, 8, 33, 3, 3) { Groups = 33, DilationH = 2, DilationW = 2, PadTop = 2, PadLeft = 2, PadBottom = 2, PadRight = 2 },
        ["channel lanes: depthwise strides 3x2 with a bias, 8-wide output"] = new(3, 24, 10, 15, 24, 3, 2) { Groups = 24, StrideH = 3, StrideW = 2, PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
        ["batch 1, many threads"] = new(1, 16, 14, 14, 24, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveConvolution(string name) =>
        // Two threads for the row-tile cases: with more threads than images they would take the GEMM instead.
        CheckAll(CaseShapes[name], threads: name.StartsWith("row tiles") || name.StartsWith("phases") || name.StartsWith("channel lanes") ? 2 : 0);

    /// <summary>The side-by-side cases above do take that path with any GEMM kernel (and the batch of 17 leaves a
    /// wide image part empty).</summary>
    [Fact]
    public void SmallMapCasesRunSideBySide()
    {
        foreach (var (name, s) in CaseShapes.Where(c => c.Key.StartsWith("side by side") || c.Key.StartsWith("7x7 maps")))
            Assert.True(SideBySideImages.PerWideImage(s, depthwise: false) > 1, name);
        var partial = CaseShapes["7x7 maps, batch 17 (the last wide image part empty)"];
        Assert.NotEqual(0, partial.Batch % SideBySideImages.PerWideImage(partial, depthwise: false));
        // A pointwise layer's small maps go side by side as one row each; 14x14 ones stay apart (measured no faster).
        var pointwise = CaseShapes["pointwise 7x7 maps, batch 19 (side by side as one row, the last wide image part empty)"];
        Assert.True(SideBySideImages.PerWideImage(pointwise with { InHeight = 1, InWidth = 49 }, depthwise: false) > 1);
        Assert.Equal(1, SideBySideImages.PerWideImage(pointwise with { InHeight = 1, InWidth = 196 }, depthwise: false));
        // 28x28 maps stay one image per GEMM (measured slower side by side).
        Assert.Equal(1, SideBySideImages.PerWideImage(new Conv2dShape(128, 16, 28, 28, 16, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 }, depthwise: false));
    }

    /// <summary>The row-tile cases above do run forward as row tiles (on AVX-512, where that layout exists).</summary>
    [Fact]
    public void RowTileCasesRunRowTiles()
    {
        foreach (var (name, s) in CaseShapes.Where(c => c.Key.StartsWith("row tiles")))
            Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Conv2d.UsesRowTiles(s, 2));
        // resnet20's first stage (16 channels, one lane vector per tile) runs as row tiles; 8 output channels would fill
        // half of each lane vector (twice the GEMM's multiply-adds): never.
        var pad1 = new Conv2dShape(128, 16, 28, 28, 16, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Conv2d.UsesRowTiles(pad1, 2));
        Assert.False(Conv2d.UsesRowTiles(pad1 with { OutChannels = 8 }, 2));
        // Its tiles read the input in place (they never read the padding); a row with junk positions past it, or
        // padding the tiles do not skip, takes the padded copy.
        Assert.True(RowTileConv2d.ReadsInPlace(pad1));
        Assert.True(RowTileConv2d.ReadsInPlace(CaseShapes["row tiles: 7x7, 40 channels (lanes past the channels)"]));
        Assert.False(RowTileConv2d.ReadsInPlace(CaseShapes["row tiles: 15-wide rows (8-position tiles, one junk position)"]));
        Assert.False(RowTileConv2d.ReadsInPlace(CaseShapes["row tiles: 5x5 kernel over a 4x5 map (kernel rows outside)"]));
        Assert.False(RowTileConv2d.ReadsInPlace(pad1 with { PadLeft = 0, PadRight = 2 }));
        // One lane vector at stride 2 measured slower than the GEMM: never.
        Assert.False(Conv2d.UsesRowTiles(pad1 with { InHeight = 14, InWidth = 14, StrideH = 2, StrideW = 2 }, 2));
    }

    /// <summary>
    /// Grad input and grad weight in one pass (<see cref="Conv2d.BackwardTogether"/>) give the bits of the two calls
    /// apart, overwriting and accumulating the grad input; it runs (on AVX-512) for the stride-1 row-tile cases above and
    /// declines a strided one.
    /// </summary>
    [Fact]
    public void GradInputAndWeightTogetherEqualThemApart()
    {
        var ran = new List<string>();
        foreach (var (name, s) in CaseShapes.Where(c => c.Key.StartsWith("row tiles")))
        {
            var x = TestData.Random(21, (int)s.InputLength);
            var w = TestData.Random(22, (int)s.WeightLength);
            var dy = TestData.Random(23, (int)s.OutputLength);
            var prior = TestData.Random(24, (int)s.InputLength);
            foreach (bool accumulate in new[] { false, true })
            {
                var dxApart = accumulate ? (float[])prior.Clone() : new float[s.InputLength];
                var dwApart = new float[s.WeightLength];
                Conv2d.BackwardData(s, dy, w, dxApart, 2, accumulate);
                Conv2d.BackwardWeights(s, x, dy, dwApart, default, 2);
                var dx = accumulate ? (float[])prior.Clone() : Enumerable.Repeat(float.NaN, (int)s.InputLength).ToArray();
                var dw = Enumerable.Repeat(float.NaN, (int)s.WeightLength).ToArray();
                if (!Conv2d.BackwardTogether(s, x, dy, w, dx, dw, 2, accumulate)) continue;
                ran.Add(name);
                Assert.True(dxApart.AsSpan().SequenceEqual(dx), $"{name}: grad input differs (accumulate {accumulate})");
                Assert.True(dwApart.AsSpan().SequenceEqual(dw), $"{name}: grad weight differs (accumulate {accumulate})");
            }
        }
        // Where the grad input runs image by image as row tiles too: stride 1 as the forward convolution Cout -> Cin (12 of
        // 16 lanes and more), stride 2 by phases.
        string[] both = ["row tiles: 48 channels (one 48-lane tile), 14x14", "row tiles: 16 channels (one lane vector), 28-wide rows", "row tiles: 32 -> 32 on 14x14 (grad input a row-tile forward convolution too)",
            "row tiles: 16 -> 32 at stride 2, 14 -> 7 (grad input by phases)"];
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? both.SelectMany(n => new[] { n, n }) : [], ran);
        // Dilation 2 at stride 2: no phases; grad input by the planes' GEMM, apart.
        var dilated = CaseShapes["row tiles: stride 2, dilation 2, asymmetric padding"];
        Assert.False(Conv2d.BackwardTogether(dilated, new float[dilated.InputLength], new float[dilated.OutputLength], new float[dilated.WeightLength],
            new float[dilated.InputLength], new float[dilated.WeightLength], 2, false));
    }

    /// <summary>
    /// The one-pass backward at 1, 2 and 3 threads and at batches that split unevenly over them (17, 40): the bits of
    /// the two calls apart at the same thread count, wherever it runs, and it runs at every thread count (on AVX-512).
    /// </summary>
    [Fact]
    public void GradInputAndWeightTogetherEqualThemApartAtEveryThreadCount()
    {
        var ran = new HashSet<int>();
        string[] names = ["row tiles: 16 channels (one lane vector), 28-wide rows", "row tiles: 32 -> 32 on 14x14 (grad input a row-tile forward convolution too)",
            "row tiles: 16 -> 32 at stride 2, 14 -> 7 (grad input by phases)"];
        foreach (string name in names)
            foreach (int batch in new[] { 17, 40 })
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var s = CaseShapes[name] with { Batch = batch };
                    var x = TestData.Random(31, (int)s.InputLength);
                    var w = TestData.Random(32, (int)s.WeightLength);
                    var dy = TestData.Random(33, (int)s.OutputLength);
                    var dxApart = new float[s.InputLength];
                    var dwApart = new float[s.WeightLength];
                    Conv2d.BackwardData(s, dy, w, dxApart, threads);
                    Conv2d.BackwardWeights(s, x, dy, dwApart, default, threads);
                    var dx = Enumerable.Repeat(float.NaN, (int)s.InputLength).ToArray();
                    var dw = Enumerable.Repeat(float.NaN, (int)s.WeightLength).ToArray();
                    if (!Conv2d.BackwardTogether(s, x, dy, w, dx, dw, threads, false)) continue;
                    ran.Add(threads);
                    Assert.True(dxApart.AsSpan().SequenceEqual(dx), $"{name}, batch {batch}, {threads} threads: grad input differs");
                    Assert.True(dwApart.AsSpan().SequenceEqual(dw), $"{name}, batch {batch}, {threads} threads: grad weight differs");
                }
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? [1, 2, 3] : [], ran.Order());
    }

    /// <summary>
    /// Row tiles that read the input (forward) and the output gradient (stride-1 grad input) in place never read outside
    /// an image: with the tensors placed between runs of NaN, forward, grad input and grad weight give the bits they
    /// give on tensors of their own, and the naive convolution's values.
    /// </summary>
    [Fact]
    public void InPlaceReadsStayInsideTheTensors()
    {
        const int guard = 4096;
        var shapes = CaseShapes.Where(c => c.Key.StartsWith("row tiles") && RowTileConv2d.ReadsInPlace(c.Value)).ToList();
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, shapes.Count >= 3);
        foreach (var (name, s) in shapes)
        {
            var x = TestData.Random(41, (int)s.InputLength);
            var w = TestData.Random(42, (int)s.WeightLength);
            var dy = TestData.Random(43, (int)s.OutputLength);
            float[] Guarded(float[] t)
            {
                var g = Enumerable.Repeat(float.NaN, t.Length + 2 * guard).ToArray();
                t.CopyTo(g, guard);
                return g;
            }
            var (gx, gdy) = (Guarded(x), Guarded(dy));
            var y = new float[s.OutputLength];
            var gy = new float[s.OutputLength];
            Conv2d.Forward(s, x, w, default, y, 2);
            Conv2d.Forward(s, gx.AsSpan(guard, x.Length), w, default, gy, 2);
            Assert.True(y.AsSpan().SequenceEqual(gy), $"{name}: forward differs between the guarded input and its own");
            var naive = Naive(s, x, w, new float[s.OutChannels], dy);
            TestData.AssertClose(naive.Y, y, 1e-5, $"{name}: forward");

            var dx = new float[s.InputLength];
            var gdx = new float[s.InputLength];
            Conv2d.BackwardData(s, dy, w, dx, 2);
            Conv2d.BackwardData(s, gdy.AsSpan(guard, dy.Length), w, gdx, 2);
            Assert.True(dx.AsSpan().SequenceEqual(gdx), $"{name}: grad input differs between the guarded output gradient and its own");
            TestData.AssertClose(naive.DX, dx, 1e-5, $"{name}: grad input");

            var dw = new float[s.WeightLength];
            var gdw = new float[s.WeightLength];
            Conv2d.BackwardWeights(s, x, dy, dw, default, 2);
            Conv2d.BackwardWeights(s, gx.AsSpan(guard, x.Length), gdy.AsSpan(guard, dy.Length), gdw, default, 2);
            Assert.True(dw.AsSpan().SequenceEqual(gdw), $"{name}: grad weight differs between guarded tensors and their own");
            TestData.AssertClose(naive.DW, dw, 1e-5, $"{name}: grad weight");
        }
    }

    /// <summary>The phase cases above do run grad input as phases (on AVX-512), and narrower inputs do not.</summary>
    [Fact]
    public void PhaseCasesRunPhases()
    {
        foreach (var (name, s) in CaseShapes.Where(c => c.Key.StartsWith("phases")))
            Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Conv2d.UsesPhaseGradInput(s, 2));
        var s2 = CaseShapes["phases: 3x3 stride 2, 16 channels"];
        // 8 input channels would fill half of each lane vector; stride 1 runs as a forward convolution; groups do not.
        Assert.False(Conv2d.UsesPhaseGradInput(s2 with { InChannels = 8 }, 2));
        Assert.False(Conv2d.UsesPhaseGradInput(s2 with { StrideH = 1, StrideW = 1 }, 2));
        Assert.False(Conv2d.UsesPhaseGradInput(s2 with { InChannels = 32, OutChannels = 8, Groups = 2 }, 2));
        Assert.False(Conv2d.UsesPhaseGradInput(s2 with { DilationH = 2, DilationW = 2 }, 2));
    }

    /// <summary>The channel-lane cases above do run with the channels in the lanes (on AVX-512); depthwise layers with
    /// wider output rows, channel multipliers or a batch under the thread count do not.</summary>
    [Fact]
    public void ChannelLaneCasesRunChannelLanes()
    {
        foreach (var (name, s) in CaseShapes.Where(c => c.Key.StartsWith("channel lanes")))
        {
            Assert.True(s.OutWidth <= 8, name);
            Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, ChannelLaneDepthwise.Applies(s, 2));
        }
        var dw = CaseShapes["channel lanes: depthwise 7x7, 40 channels (lanes past the channels)"];
        Assert.False(ChannelLaneDepthwise.Applies(dw with { InWidth = 14 }, 2));
        Assert.False(ChannelLaneDepthwise.Applies(dw with { OutChannels = 80 }, 2));
        Assert.False(ChannelLaneDepthwise.Applies(dw with { Batch = 1 }, 2));
        Assert.False(ChannelLaneDepthwise.Applies(dw with { Groups = 20, OutChannels = 40 }, 2));
    }

    [Fact]
    public void SingleThreadAndOddThreadCounts()
    {
        CheckAll(CaseShapes["3x3 s2 p1"], threads: 1);
        CheckAll(CaseShapes["groups 2"], threads: 3);
        // One thread per wide image: grad input adds W^T * dY straight onto the wide planes (AddsOntoPlanes).
        CheckAll(CaseShapes["side by side, 3x3 stride 2 (7 -> 4)"], threads: 1);
        CheckAll(CaseShapes["1x1 s2"], threads: 1);
        CheckAll(CaseShapes["row tiles: 100 channels (48 + 32 + 32 lanes)"], threads: 1);
    }

    /// <summary>Loss L = sum(conv(x, w) * r) in double; central differences against the backward passes.</summary>
    [Fact]
    public void BackwardMatchesFiniteDifferences()
    {
        foreach (var s in new[]
        {
            new Conv2dShape(2, 3, 5, 6, 4, 3, 3) { StrideH = 2, PadTop = 1, PadLeft = 0, PadBottom = 0, PadRight = 2 },
            new Conv2dShape(1, 4, 6, 6, 4, 3, 3) { Groups = 4, DilationH = 2, PadTop = 2, PadBottom = 1, PadLeft = 1, PadRight = 1 },
        })
        {
            var x = TestData.Random(21, (int)s.InputLength);
            var w = TestData.Random(22, (int)s.WeightLength);
            var bias = TestData.Random(23, s.OutChannels);
            var r = TestData.Random(24, (int)s.OutputLength);
            double Loss()
            {
                var y = new float[s.OutputLength];
                Conv2d.Forward(s, x, w, bias, y);
                double l = 0;
                for (int i = 0; i < y.Length; i++) l += (double)y[i] * r[i];
                return l;
            }
            var dx = new float[s.InputLength];
            var dw = new float[s.WeightLength];
            var db = new float[s.OutChannels];
            Conv2d.BackwardData(s, r, w, dx);
            Conv2d.BackwardWeights(s, x, r, dw, db);
            const float eps = 1e-2f;
            void CheckGradient(float[] p, float[] grad, string what)
            {
                for (int i = 0; i < p.Length; i++)
                {
                    float keep = p[i];
                    p[i] = keep + eps;
                    double up = Loss();
                    p[i] = keep - eps;
                    double down = Loss();
                    p[i] = keep;
                    double fd = (up - down) / (2 * eps);
                    Assert.True(Math.Abs(fd - grad[i]) <= 1e-3 * (1 + Math.Abs(fd)), $"{what}[{i}]: finite difference {fd}, backward {grad[i]} ({s})");
                }
            }
            CheckGradient(x, dx, "dX");
            CheckGradient(w, dw, "dW");
            CheckGradient(bias, db, "dB");
        }
    }

    [Fact]
    public void DeterministicForFixedThreadCount()
    {
        // The planes' dot products (16 channels) and row tiles (48 channels).
        foreach (int channels in new[] { 16, 48 })
        {
            var s = new Conv2dShape(6, 16, 14, 14, channels, 3, 3) { PadTop = 1, PadLeft = 1, PadBottom = 1, PadRight = 1 };
            var x = TestData.Random(31, (int)s.InputLength);
            var dy = TestData.Random(32, (int)s.OutputLength);
            float[] Run()
            {
                var dw = new float[s.WeightLength];
                Conv2d.BackwardWeights(s, x, dy, dw, Span<float>.Empty, 2);
                return dw;
            }
            Assert.Equal(Run(), Run());
        }
    }

    [Fact]
    public void RejectsBadShapesAndBuffers()
    {
        var s = new Conv2dShape(1, 3, 4, 4, 4, 3, 3) { Groups = 2 };
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(s, new float[48], new float[36], default, new float[16]));
        var t = new Conv2dShape(1, 2, 4, 4, 4, 3, 3);
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(t, new float[31], new float[72], default, new float[16]));
        // A kernel one column wider than the padded input (truncating division made its output width 1).
        var wide = new Conv2dShape(2, 2, 3, 2, 2, 1, 3) { StrideW = 2 };
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(wide, new float[24], new float[12], default, new float[12]));
    }
}
