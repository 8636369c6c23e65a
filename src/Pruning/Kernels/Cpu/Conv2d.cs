using System.Buffers;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// NCHW float32 2-d convolution forward and backward (see <see cref="Conv2dShape"/> for layouts).
/// Ordinary convolutions run im2col + <see cref="Sgemm"/> per image and group (1x1 stride-1 unpadded
/// convolutions skip im2col); one input channel per group (depthwise) runs a direct SIMD path.
/// Images are spread over threads; weight gradients are summed per fixed image chunk and reduced in
/// chunk order, so results are deterministic for a fixed degree of parallelism.
/// Gradient outputs are overwritten. An empty bias / gradBias span means no bias.
/// </summary>
public static unsafe class Conv2d
{
    /// <summary>output = conv(input, weight) + bias.</summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output, int degreeOfParallelism = 0)
    {
        var s = shape;
        Check(s, input.Length, s.InputLength, nameof(input));
        Check(s, weight.Length, s.WeightLength, nameof(weight));
        Check(s, output.Length, s.OutputLength, nameof(output));
        if (!bias.IsEmpty) Check(s, bias.Length, s.OutChannels, nameof(bias));
        if (s.Batch == 0) return;
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        fixed (float* px = input, pw = weight, pb = bias, py = output)
        {
            nint x = (nint)px, w = (nint)pw, b = bias.IsEmpty ? 0 : (nint)pb, y = (nint)py;
            if (s.GroupInChannels == 1)
            {
                CpuParallel.For(s.Batch * s.OutChannels, dop, t =>
                    DepthwiseConv2d.Forward(s, (float*)x, (float*)w, (float*)b, (float*)y, t / s.OutChannels, t % s.OutChannels));
                return;
            }
            int inner = s.Batch >= dop ? 1 : dop;
            CpuParallel.For(s.Batch, dop, n => ForwardImage(s, (float*)x, (float*)w, (float*)b, (float*)y, n, inner));
        }
    }

    /// <summary>gradInput = d(loss)/d(input) given gradOutput = d(loss)/d(output).</summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight,
        Span<float> gradInput, int degreeOfParallelism = 0)
    {
        var s = shape;
        Check(s, gradOutput.Length, s.OutputLength, nameof(gradOutput));
        Check(s, weight.Length, s.WeightLength, nameof(weight));
        Check(s, gradInput.Length, s.InputLength, nameof(gradInput));
        if (s.Batch == 0) return;
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        fixed (float* pdy = gradOutput, pw = weight, pdx = gradInput)
        {
            nint dy = (nint)pdy, w = (nint)pw, dx = (nint)pdx;
            if (s.GroupInChannels == 1)
            {
                CpuParallel.For(s.Batch * s.InChannels, dop, t =>
                    DepthwiseConv2d.BackwardData(s, (float*)dy, (float*)w, (float*)dx, t / s.InChannels, t % s.InChannels));
                return;
            }
            int inner = s.Batch >= dop ? 1 : dop;
            CpuParallel.For(s.Batch, dop, n => BackwardDataImage(s, (float*)dy, (float*)w, (float*)dx, n, inner));
        }
    }

    /// <summary>
    /// gradWeight = d(loss)/d(weight) and, when gradBias is not empty, gradBias = d(loss)/d(bias),
    /// summed over the batch.
    /// </summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        Span<float> gradWeight, Span<float> gradBias, int degreeOfParallelism = 0)
    {
        var s = shape;
        Check(s, input.Length, s.InputLength, nameof(input));
        Check(s, gradOutput.Length, s.OutputLength, nameof(gradOutput));
        Check(s, gradWeight.Length, s.WeightLength, nameof(gradWeight));
        if (!gradBias.IsEmpty) Check(s, gradBias.Length, s.OutChannels, nameof(gradBias));
        int dop = CpuParallel.Resolve(degreeOfParallelism);
        if (s.Batch == 0)
        {
            gradWeight.Clear();
            gradBias.Clear();
            return;
        }
        fixed (float* px = input, pdy = gradOutput, pdw = gradWeight, pdb = gradBias)
        {
            nint x = (nint)px, dy = (nint)pdy, dw = (nint)pdw, db = gradBias.IsEmpty ? 0 : (nint)pdb;
            if (s.GroupInChannels == 1)
            {
                CpuParallel.For(s.OutChannels, dop, co =>
                    DepthwiseConv2d.BackwardWeights(s, (float*)x, (float*)dy, (float*)dw, (float*)db, co));
                return;
            }
            int ohw = s.OutHeight * s.OutWidth;
            if (db != 0)
                CpuParallel.For(s.OutChannels, dop, co =>
                {
                    float sum = 0f;
                    for (int n = 0; n < s.Batch; n++)
                        sum += VectorOps.Sum((float*)dy + ((long)n * s.OutChannels + co) * ohw, ohw);
                    ((float*)db)[co] = sum;
                });

            // Fixed image chunks, each summing its images into its own buffer (chunk 0 into gradWeight).
            int chunks = Math.Min(s.Batch, dop);
            int inner = chunks == 1 ? dop : 1;
            int wlen = checked((int)s.WeightLength);
            float[]? partials = chunks > 1 ? ArrayPool<float>.Shared.Rent((chunks - 1) * wlen) : null;
            try
            {
                fixed (float* pp = partials)
                {
                    nint part = (nint)pp;
                    CpuParallel.For(chunks, dop, c =>
                    {
                        float* dst = c == 0 ? (float*)dw : (float*)part + (long)(c - 1) * wlen;
                        int n0 = (int)((long)s.Batch * c / chunks), n1 = (int)((long)s.Batch * (c + 1) / chunks);
                        for (int n = n0; n < n1; n++)
                            BackwardWeightsImage(s, (float*)x, (float*)dy, dst, n, accumulate: n > n0, inner);
                    });
                    for (int c = 1; c < chunks; c++)
                        VectorOps.Add(pdw, (float*)part + (long)(c - 1) * wlen, wlen);
                }
            }
            finally
            {
                if (partials != null) ArrayPool<float>.Shared.Return(partials);
            }
        }
    }

    private static void Check(in Conv2dShape s, int actual, long expected, string name)
    {
        s.Validate();
        if (actual != expected)
            throw new ArgumentException($"Conv2d: {name} has {actual} elements, the shape needs {expected}: {s}", name);
    }

    /// <summary>1x1, stride 1, no padding: the input planes are the column matrix.</summary>
    private static bool IsPointwise(in Conv2dShape s) =>
        s.KernelHeight == 1 && s.KernelWidth == 1 && s.StrideH == 1 && s.StrideW == 1
        && s.PadTop == 0 && s.PadLeft == 0 && s.PadBottom == 0 && s.PadRight == 0;

    private static float* InputGroup(in Conv2dShape s, float* x, int n, int g) =>
        x + ((long)n * s.InChannels + (long)g * s.GroupInChannels) * s.InHeight * s.InWidth;

    private static float* OutputGroup(in Conv2dShape s, float* y, int n, int g) =>
        y + ((long)n * s.OutChannels + (long)g * s.GroupOutChannels) * s.OutHeight * s.OutWidth;

    private static float* Columns(in Conv2dShape s) =>
        ThreadScratch.Get(ScratchSlot.ConvColumns, (long)s.PatchSize * s.OutHeight * s.OutWidth);

    /// <summary>The im2col matrix of one image's group: the input itself when pointwise (col is null then).</summary>
    private static float* ColumnMatrix(in Conv2dShape s, float* xg, float* col)
    {
        if (col == null) return xg;
        Im2Col.Gather(s, xg, col);
        return col;
    }

    private static ReadOnlySpan<float> Ro(float* p, long length) => new(p, checked((int)length));

    private static Span<float> Rw(float* p, long length) => new(p, checked((int)length));

    private static void ForwardImage(in Conv2dShape s, float* x, float* w, float* bias, float* y, int n, int threads)
    {
        int m = s.GroupOutChannels, k = s.PatchSize, ohw = s.OutHeight * s.OutWidth;
        float* col = IsPointwise(s) ? null : Columns(s);
        for (int g = 0; g < s.Groups; g++)
        {
            float* yg = OutputGroup(s, y, n, g);
            float* b = ColumnMatrix(s, InputGroup(s, x, n, g), col);
            Sgemm.Multiply(false, false, m, ohw, k, 1f, Ro(w + (long)g * m * k, (long)m * k), k,
                Ro(b, (long)k * ohw), ohw, 0f, Rw(yg, (long)m * ohw), ohw, threads);
            if (bias != null)
                for (int c = 0; c < m; c++) VectorOps.AddScalar(yg + (long)c * ohw, bias[g * m + c], ohw);
        }
    }

    private static void BackwardDataImage(in Conv2dShape s, float* dy, float* w, float* dx, int n, int threads)
    {
        int m = s.GroupOutChannels, k = s.PatchSize, ohw = s.OutHeight * s.OutWidth;
        bool pointwise = IsPointwise(s);
        float* col = pointwise ? null : Columns(s);
        if (!pointwise) VectorOps.Clear(InputGroup(s, dx, n, 0), (long)s.InChannels * s.InHeight * s.InWidth);
        for (int g = 0; g < s.Groups; g++)
        {
            float* dxg = InputGroup(s, dx, n, g), dyg = OutputGroup(s, dy, n, g);
            // d(col) = W_g^T * dY_g, then scattered back onto the input (or directly dX when pointwise).
            Sgemm.Multiply(true, false, k, ohw, m, 1f, Ro(w + (long)g * m * k, (long)m * k), k,
                Ro(dyg, (long)m * ohw), ohw, 0f, Rw(pointwise ? dxg : col, (long)k * ohw), ohw, threads);
            if (!pointwise) Im2Col.Scatter(s, col, dxg);
        }
    }

    private static void BackwardWeightsImage(in Conv2dShape s, float* x, float* dy, float* dw, int n, bool accumulate, int threads)
    {
        int m = s.GroupOutChannels, k = s.PatchSize, ohw = s.OutHeight * s.OutWidth;
        float* col = IsPointwise(s) ? null : Columns(s);
        for (int g = 0; g < s.Groups; g++)
        {
            float* dyg = OutputGroup(s, dy, n, g);
            float* b = ColumnMatrix(s, InputGroup(s, x, n, g), col);
            // dW_g (+)= dY_g * col^T.
            Sgemm.Multiply(false, true, m, k, ohw, 1f, Ro(dyg, (long)m * ohw), ohw,
                Ro(b, (long)k * ohw), ohw, accumulate ? 1f : 0f, Rw(dw + (long)g * m * k, (long)m * k), k, threads);
        }
    }
}
