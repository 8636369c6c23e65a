using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

/// <summary>
/// The phase planes against their definition, on random geometries: plane (a, b) of a channel holds
/// padded row r * StrideH + a and padded column q * StrideW + b at (r, q), zero in the padding, past
/// the input and in phases no kernel tap reads. The gathers write each float once (no clearing
/// first), so the planes start as NaN: a float they skip shows. ToInput is the adjoint: each input
/// position takes (or adds) the one plane float it went to.
/// </summary>
public unsafe class ConvPlanesTests
{
    private static IEnumerable<Conv2dShape> RandomShapes(int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            var s = new Conv2dShape(1, rng.Next(1, 4), rng.Next(1, 40), rng.Next(1, 40), 1, rng.Next(1, 6), rng.Next(1, 6))
            {
                StrideH = rng.Next(1, 4), StrideW = rng.Next(1, 4), DilationH = rng.Next(1, 3), DilationW = rng.Next(1, 3),
                PadTop = rng.Next(0, 4), PadLeft = rng.Next(0, 4), PadBottom = rng.Next(0, 4), PadRight = rng.Next(0, 4),
            };
            if (rng.Next(3) == 0) s = s with { StrideH = 1, StrideW = 1 };
            else if (rng.Next(2) == 0) s = s with { StrideW = 2 }; // the AVX-512 two-column-phase path
            if (s.InHeight + s.PadTop + s.PadBottom < s.DilationH * (s.KernelHeight - 1) + 1
                || s.InWidth + s.PadLeft + s.PadRight < s.DilationW * (s.KernelWidth - 1) + 1) continue;
            yield return s;
        }
    }

    /// <summary>Plane float i of a channel's planes, by the definition; null where it is padding.</summary>
    private static (int Y, int X)? Source(Conv2dShape s, ConvPlanes p, long i)
    {
        if (p.Direct) return ((int)(i / s.InWidth), (int)(i % s.InWidth));
        int phase = (int)(i / p.PlaneLength), within = (int)(i % p.PlaneLength);
        int a = phase / s.StrideW, b = phase % s.StrideW, r = within / p.PW, q = within % p.PW;
        bool rowRead = Enumerable.Range(0, s.KernelHeight).Any(k => k * s.DilationH % s.StrideH == a);
        bool colRead = Enumerable.Range(0, s.KernelWidth).Any(k => k * s.DilationW % s.StrideW == b);
        int y = r * s.StrideH + a - s.PadTop, x = q * s.StrideW + b - s.PadLeft;
        return rowRead && colRead && y >= 0 && y < s.InHeight && x >= 0 && x < s.InWidth ? (y, x) : null;
    }

    [Fact]
    public void GatherWritesEveryPlaneFloatAsDefined()
    {
        int checkedShapes = 0;
        foreach (var s in RandomShapes(5, 3000))
        {
            var p = new ConvPlanes(s);
            if (p.Direct) continue;
            int channels = s.InChannels, hw = s.InHeight * s.InWidth;
            var x = TestData.Random(checkedShapes, channels * hw);
            var planes = new float[channels * p.ChannelLength];
            Array.Fill(planes, float.NaN);
            fixed (float* px = x, pp = planes) p.Gather(s, px, channels, pp);
            for (int c = 0; c < channels; c++)
                for (long i = 0; i < p.ChannelLength; i++)
                {
                    float expected = Source(s, p, i) is var (y, xx) ? x[c * hw + y * s.InWidth + xx] : 0f;
                    float got = planes[c * p.ChannelLength + i];
                    if (!(got == expected)) Assert.Fail($"{s}: channel {c}, plane float {i}: expected {expected}, got {got}");
                }
            checkedShapes++;
        }
        Assert.True(checkedShapes > 1000, $"only {checkedShapes} shapes checked");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ToInputIsTheAdjointOfGather(bool accumulate)
    {
        int checkedShapes = 0;
        foreach (var s in RandomShapes(6, 1500))
        {
            var p = new ConvPlanes(s);
            if (p.Direct) continue;
            int channels = s.InChannels, hw = s.InHeight * s.InWidth;
            var planes = TestData.Random(100 + checkedShapes, channels * p.ChannelLength);
            var before = TestData.Random(200 + checkedShapes, channels * hw);
            var dx = (float[])before.Clone();
            fixed (float* pp = planes, pd = dx) p.ToInput(s, pp, channels, pd, accumulate);
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < s.InHeight; y++)
                    for (int xx = 0; xx < s.InWidth; xx++)
                    {
                        int py = y + s.PadTop, px = xx + s.PadLeft;
                        long at = (long)((py % s.StrideH) * s.StrideW + px % s.StrideW) * p.PlaneLength + (long)(py / s.StrideH) * p.PW + px / s.StrideW;
                        float value = planes[c * p.ChannelLength + at];
                        float expected = accumulate ? before[c * hw + y * s.InWidth + xx] + value : value;
                        float got = dx[c * hw + y * s.InWidth + xx];
                        if (!(got == expected)) Assert.Fail($"{s}: channel {c} ({y}, {xx}): expected {expected}, got {got}");
                    }
            checkedShapes++;
        }
        Assert.True(checkedShapes > 500, $"only {checkedShapes} shapes checked");
    }
}
