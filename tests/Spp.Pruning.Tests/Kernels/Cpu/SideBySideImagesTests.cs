using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

/// <summary>
/// Side-by-side packing against its definition on random widened layouts: wide image q holds images
/// q * PerWide + j at columns j * pitch (input pitch: the width plus the wider side padding, rounded
/// up to the stride; output pitch: that over the stride), zero in the gaps, past the last image and
/// where the batch does not fill the last wide image (where an output row is wider than the pitch, the
/// later image's columns win the overlap). The packing writes each float once, so the wide
/// images start as NaN: a float it skips shows. Unpacking is the adjoint, overwriting or adding.
/// </summary>
public unsafe class SideBySideImagesTests
{
    private static IEnumerable<SideBySideImages.Layout> RandomLayouts(int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            int k = rng.Next(1, 4);
            var s = new Conv2dShape(rng.Next(2, 41), rng.Next(1, 4), rng.Next(1, 10), rng.Next(1, 10), rng.Next(1, 4), k, rng.Next(1, 4))
            {
                StrideH = rng.Next(1, 3), StrideW = rng.Next(1, 3),
                PadTop = rng.Next(0, 3), PadLeft = rng.Next(0, 3), PadBottom = rng.Next(0, 3), PadRight = rng.Next(0, 3),
            };
            if (rng.Next(4) == 0) s = new Conv2dShape(rng.Next(2, 41), rng.Next(1, 4), 1, rng.Next(1, 65), rng.Next(1, 4), 1, 1); // pointwise runs
            if (s.InHeight + s.PadTop + s.PadBottom < s.KernelHeight || s.InWidth + s.PadLeft + s.PadRight < s.KernelWidth) continue;
            var layout = new SideBySideImages.Layout(s, depthwise: false);
            if (layout.IsWide) yield return layout;
        }
    }

    private static int InputPitch(in Conv2dShape s) => (s.InWidth + Math.Max(s.PadLeft, s.PadRight) + s.StrideW - 1) / s.StrideW * s.StrideW;

    [Fact]
    public void PackingWritesEveryWideFloatAsDefined()
    {
        int layouts = 0;
        foreach (var l in RandomLayouts(3, 4000))
        {
            var s = l.Shape;
            int wides = l.Wide.Batch, first = wides > 1 ? 1 : 0, count = wides - first;
            int inPitch = InputPitch(s), outPitch = inPitch / s.StrideW;
            Check(TestData.Random(layouts, (int)s.InputLength), s.InChannels, s.InHeight, s.InWidth, inPitch, l.Wide.InWidth, l.WideInputLength,
                (x, d) => l.PackInputs(x, first, count, d));
            Check(TestData.Random(layouts + 1, (int)s.OutputLength), s.OutChannels, s.OutHeight, s.OutWidth, outPitch, l.Wide.OutWidth, l.WideOutputLength,
                (y, d) => l.PackOutputs(y, first, count, d));
            layouts++;

            void Check(float[] images, int channels, int rows, int width, int pitch, int wideWidth, long wideLength, PackCall pack)
            {
                var wide = new float[count * wideLength];
                Array.Fill(wide, float.NaN);
                fixed (float* pi = images, pw = wide) pack(pi, pw);
                for (int q = 0; q < count; q++)
                    for (int c = 0; c < channels; c++)
                        for (int r = 0; r < rows; r++)
                            for (int col = 0; col < wideWidth; col++)
                            {
                                // The last image present whose columns reach col: where padding exceeds the kernel's
                                // reach an output row is wider than the pitch, and the next image's columns
                                // overwrite the overlap (outputs there read only zeros, so either is right).
                                int present = Math.Min(l.PerWide, s.Batch - (first + q) * l.PerWide);
                                int j = Math.Min(col / pitch, present - 1);
                                float expected = j >= 0 && col - j * pitch < width
                                    ? images[((((first + q) * l.PerWide + j) * channels + c) * rows + r) * width + col - j * pitch] : 0f;
                                float got = wide[q * wideLength + ((long)c * rows + r) * wideWidth + col];
                                if (!(got == expected)) Assert.Fail($"{s}, {l.PerWide} per wide image: wide {q} ({c}, {r}, {col}): expected {expected}, got {got}");
                            }
            }
        }
        Assert.True(layouts > 300, $"only {layouts} widened layouts checked");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnpackingIsTheAdjointOfPacking(bool accumulate)
    {
        int layouts = 0;
        foreach (var l in RandomLayouts(4, 2000))
        {
            var s = l.Shape;
            int inPitch = InputPitch(s), outPitch = inPitch / s.StrideW;
            Check(s.InChannels, s.InHeight, s.InWidth, inPitch, l.Wide.InWidth, l.WideInputLength, (w, q, x) => l.UnpackInputs(w, q, x, accumulate));
            Check(s.OutChannels, s.OutHeight, s.OutWidth, outPitch, l.Wide.OutWidth, l.WideOutputLength, (w, q, y) => l.UnpackOutputs(w, q, y, accumulate));
            layouts++;

            void Check(int channels, int rows, int width, int pitch, int wideWidth, long wideLength, UnpackCall unpack)
            {
                int q = l.Wide.Batch - 1; // the last wide image: part empty when the batch does not fill it
                var wide = TestData.Random(layouts + 7, (int)wideLength);
                var before = TestData.Random(layouts + 8, s.Batch * channels * rows * width);
                var images = (float[])before.Clone();
                fixed (float* pw = wide, pi = images) unpack(pw, q, pi);
                for (int image = 0; image < s.Batch; image++)
                    for (int c = 0; c < channels; c++)
                        for (int r = 0; r < rows; r++)
                            for (int col = 0; col < width; col++)
                            {
                                int at = ((image * channels + c) * rows + r) * width + col, j = image - q * l.PerWide;
                                float expected = before[at];
                                if (j >= 0 && j < l.PerWide)
                                {
                                    float value = wide[((long)c * rows + r) * wideWidth + j * pitch + col];
                                    expected = accumulate ? expected + value : value;
                                }
                                if (!(images[at] == expected)) Assert.Fail($"{s}: image {image} ({c}, {r}, {col}): expected {expected}, got {images[at]}");
                            }
            }
        }
        Assert.True(layouts > 150, $"only {layouts} widened layouts checked");
    }

    private delegate void PackCall(float* images, float* wide);
    private delegate void UnpackCall(float* wide, int q, float* images);
}
