namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Small feature maps laid side by side: B images of width W become one image (B - 1) * P + W wide, image j's
/// columns starting at j * P, where the pitch P is at least W + max(PadLeft, PadRight) (so that no window of
/// one image reaches into the next: the zero gap is all the padding either neighbour reads) and a multiple
/// of StrideW (so that every image's windows start at the same phase). Image j's output columns then start
/// at j * P / StrideW, and convolving the wide image gives every image's output at once. Why: the plane
/// layout of <see cref="ConvPlanes"/> computes PadLeft + PadRight junk columns per output row, 2 of 9 on a
/// padded 7x7 map, and a 7x7 image's GEMM is only 63 columns wide (a stride-2 14->7 one's, 56); sixteen 7x7
/// images side by side have 9 junk columns in 129 and one GEMM 903 wide. A batch that does not fill the
/// last wide image leaves its missing images zero.
/// </summary>
internal static unsafe class SideBySideImages
{
    /// <summary>Most images one wide image holds (its planes stay within L2: 64 channels of 16 7x7 maps, 330 KB).</summary>
    private const int MaxPerWide = 16;

    /// <summary>
    /// Only outputs this narrow (output pitch P / StrideW) are widened. Measured (`bench -- gemm`, batch 128, 3x3
    /// forward and backward): 7x7 outputs gain (64->64 from 58% to 73% of peak, 128->128 from 61% to 77%),
    /// 14x14 ones neither gain nor lose (their rows are 14 of 16 useful columns already; with 16 here they
    /// measured 3-5% faster alone but vgg11s's training step 4-10% slower), 28x28 ones lose (78% -> 70%: the
    /// packing copies cost more than the 2 junk columns in 30 they save).
    /// </summary>
    private const int MaxOutputPitch = 12;

    /// <summary>Only pointwise maps of at most this many positions, taken as one row, are widened: a GEMM over one
    /// image's positions leaves its last column panel part empty (49 of 64 columns useful on a 7x7 map). Measured
    /// (`bench -- gemm`, batch 128, fwd / dX / dW ms): 384->64 7x7 2.05 / 2.02 / 2.35 -> 1.70 / 1.94 / 1.97, 64->384
    /// 7x7 2.25 / 2.03 / 2.36 -> 1.79 / 1.72 / 1.98; 24->144 14x14 1.23 / 1.04 / 1.11 -> 1.19 / 1.11 / 1.42 (not widened).</summary>
    private const int MaxPointwiseRun = 64;

    /// <summary>A 1x1, stride-1, unpadded convolution: the GEMM reads the input planes as they are.</summary>
    public static bool IsPointwise(in Conv2dShape s) => s.KernelHeight == 1 && s.KernelWidth == 1 && s.StrideH == 1 && s.StrideW == 1
        && s.PadTop == 0 && s.PadLeft == 0 && s.PadBottom == 0 && s.PadRight == 0;

    /// <summary>
    /// How many images one wide image holds: 1 (no widening) unless the convolution reads padded planes
    /// (not a 1x1 stride-1 unpadded one, which has no junk), is not depthwise (those run on their own
    /// kernels) and its outputs are at most <see cref="MaxOutputPitch"/> wide; then the count that makes the
    /// GEMMs compute fewest columns over the batch: each wide image's extended rows rounded up to whole
    /// column panels (<see cref="Sgemm.UnraggedColumns"/>), times the wide images the batch fills (a
    /// part-empty last one counts whole). On 7x7 maps at batch 128: 16 images, 86% of the computed columns
    /// useful (8: 82%; one: 77%).
    /// </summary>
    public static int PerWideImage(in Conv2dShape s, bool depthwise)
    {
        if (depthwise || s.Batch < 2) return 1;
        if (IsPointwise(s) ? s.InHeight != 1 || s.InWidth > MaxPointwiseRun : Pitch(s) / s.StrideW > MaxOutputPitch) return 1;
        int best = 1;
        long fewest = long.MaxValue;
        for (int b = 1; b <= Math.Min(MaxPerWide, s.Batch); b++)
        {
            var ws = Widened(s, b);
            // The plane width of ConvPlanes: padded columns per column phase.
            int planeWidth = (ws.InWidth + s.PadLeft + s.PadRight + s.StrideW - 1) / s.StrideW;
            long computed = (long)ws.Batch * Sgemm.UnraggedColumns(s.OutHeight * planeWidth);
            if (computed < fewest) { fewest = computed; best = b; }
        }
        return best;
    }

    /// <summary>Input columns from one image's first column to the next one's (see the class comment).</summary>
    private static int Pitch(in Conv2dShape s)
    {
        int least = s.InWidth + Math.Max(s.PadLeft, s.PadRight);
        return (least + s.StrideW - 1) / s.StrideW * s.StrideW;
    }

    /// <summary>Output columns from one image's first output column to the next one's.</summary>
    private static int OutputPitch(in Conv2dShape s) => Pitch(s) / s.StrideW;

    /// <summary>The convolution over wide images of <paramref name="perWide"/> images each (same channels, kernel, padding).</summary>
    private static Conv2dShape Widened(in Conv2dShape s, int perWide) =>
        s with { Batch = (s.Batch + perWide - 1) / perWide, InWidth = (perWide - 1) * Pitch(s) + s.InWidth };

    /// <summary>
    /// A convolution's batch grouped into wide images: the shape as given, the widened one it runs as (the
    /// same when one image per wide image is best) and the copies between them.
    /// </summary>
    public readonly struct Layout
    {
        public readonly Conv2dShape Shape, Wide;
        public readonly int PerWide;

        public Layout(in Conv2dShape shape, bool depthwise)
        {
            Shape = shape;
            PerWide = PerWideImage(shape, depthwise);
            Wide = PerWide > 1 ? Widened(shape, PerWide) : shape;
        }

        public bool IsWide => PerWide > 1;

        /// <summary>Floats of one wide image's input and output.</summary>
        public long WideInputLength => (long)Shape.InChannels * Shape.InHeight * Wide.InWidth;
        public long WideOutputLength => (long)Shape.OutChannels * Shape.OutHeight * Wide.OutWidth;

        /// <summary>dst = wide images firstWide .. firstWide + count - 1 of the inputs at x.</summary>
        public void PackInputs(float* x, int firstWide, int count, float* dst) =>
            Pack(x, Shape.Batch, Shape.InChannels, Shape.InHeight, Shape.InWidth, PerWide, Pitch(Shape), Wide.InWidth, firstWide, count, dst);

        /// <summary>dst = wide images firstWide .. firstWide + count - 1 of the outputs (or output gradients) at y.</summary>
        public void PackOutputs(float* y, int firstWide, int count, float* dst) =>
            Pack(y, Shape.Batch, Shape.OutChannels, Shape.OutHeight, Shape.OutWidth, PerWide, OutputPitch(Shape), Wide.OutWidth, firstWide, count, dst);

        /// <summary>The inputs (or input gradients) at x of wide image q's images = (or +=) their columns of src.</summary>
        public void UnpackInputs(float* src, int q, float* x, bool accumulate) =>
            Unpack(src, Shape.Batch, Shape.InChannels, Shape.InHeight, Shape.InWidth, PerWide, Pitch(Shape), Wide.InWidth, q, 1, x, accumulate);

        /// <summary>The outputs at y of wide image q's images = (or +=) their columns of src.</summary>
        public void UnpackOutputs(float* src, int q, float* y, bool accumulate) =>
            Unpack(src, Shape.Batch, Shape.OutChannels, Shape.OutHeight, Shape.OutWidth, PerWide, OutputPitch(Shape), Wide.OutWidth, q, 1, y, accumulate);
    }

    /// <summary>
    /// dst (<paramref name="wideCount"/> wide images of <paramref name="channels"/> x <paramref name="rows"/> x
    /// <paramref name="wideWidth"/>) = the images firstWide * perWide ... of src (images of channels x rows x
    /// width; <paramref name="images"/> in all) side by side <paramref name="pitch"/> columns apart, zero elsewhere.
    /// </summary>
    private static void Pack(float* src, int images, int channels, int rows, int width, int perWide, int pitch, int wideWidth,
        int firstWide, int wideCount, float* dst) =>
        Walk(src, images, channels, rows, width, perWide, pitch, wideWidth, firstWide, wideCount, dst, toWide: true, accumulate: false);

    /// <summary>The adjoint of <see cref="Pack"/>: each image firstWide * perWide ... of dst = (or, accumulating, +=)
    /// its columns of the wide images at src.</summary>
    private static void Unpack(float* src, int images, int channels, int rows, int width, int perWide, int pitch, int wideWidth,
        int firstWide, int wideCount, float* dst, bool accumulate) =>
        Walk(dst, images, channels, rows, width, perWide, pitch, wideWidth, firstWide, wideCount, src, toWide: false, accumulate);

    private static void Walk(float* images, int count, int channels, int rows, int width, int perWide, int pitch, int wideWidth,
        int firstWide, int wideCount, float* wides, bool toWide, bool accumulate)
    {
        long imageLength = (long)channels * rows * width, wideLength = (long)channels * rows * wideWidth;
        for (int q = 0; q < wideCount; q++)
        {
            float* wide = wides + q * wideLength;
            int first = (firstWide + q) * perWide, present = Math.Min(perWide, count - first);
            if (toWide)
            {
                PackWide(images + first * imageLength, imageLength, present, channels * rows, width, pitch, wideWidth, wide);
                continue;
            }
            for (int j = 0; j < present; j++)
            {
                float* image = images + (first + j) * imageLength;
                for (int r = 0; r < channels * rows; r++)
                {
                    float* run = wide + (long)r * wideWidth + j * pitch, row = image + (long)r * width;
                    if (accumulate) VectorOps.Add(row, run, width);
                    else VectorOps.Copy(row, run, width);
                }
            }
        }
    }

    /// <summary>
    /// One wide image from <paramref name="present"/> images (each <paramref name="lines"/> runs of
    /// <paramref name="width"/>): each wide float written once, the images' runs <paramref name="pitch"/> apart and zeros
    /// in the gaps and past the last, instead of clearing the wide image and then copying over most of it.
    /// </summary>
    private static void PackWide(float* images, long imageLength, int present, int lines, int width, int pitch, int wideWidth, float* wide)
    {
        for (int r = 0; r < lines; r++)
        {
            float* line = wide + (long)r * wideWidth;
            int end = 0;
            for (int j = 0; j < present; j++)
            {
                int at = j * pitch;
                for (int q = end; q < at; q++) line[q] = 0;
                VectorOps.Copy(line + at, images + j * imageLength + (long)r * width, width);
                end = at + width;
            }
            if (end < wideWidth) VectorOps.Clear(line + end, wideWidth - end);
        }
    }
}
