using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>
/// Resize and Upsample in nearest mode by whole factors, where every input element is repeated
/// factor times along each scaled axis (what nearest upsampling by 2 exports to under every
/// coordinate mode PyTorch and TensorFlow use). Forward is a strided copy reading each input
/// element with stride 0 over its repeats; backward sums the repeats (Reduce). The index map is
/// computed with ONNX's coordinate and rounding rules and checked to be such a repeat; anything
/// else (linear, cubic, downsampling, fractional factors) is not supported in training.
/// </summary>
public sealed class ResizeKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Resize", "Upsample"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        TrainTensor x = inputs[0]!, y = outputs[0];
        string mode = node.GetString("mode", "nearest");
        if (mode != "nearest") throw Unsupported(node, $"mode '{mode}'");
        // Upsample and Resize-10 place pixels asymmetrically and floor; Resize-11 reads the attributes.
        bool legacy = node.OpType == "Upsample" || ctx.Opset < 11;
        string coords = legacy ? "asymmetric" : node.GetString("coordinate_transformation_mode", "half_pixel");
        string rounding = legacy ? "floor" : node.GetString("nearest_mode", "round_prefer_floor");
        var scales = Scales(node, ctx, x, y);

        // Groups of (size, repeat): neighbouring axes that are not scaled merge into one.
        var groups = new List<(int Size, int Repeat)>();
        for (int k = 0; k < x.Shape.Length; k++)
        {
            int inDim = x.Shape[k], outDim = y.Shape[k];
            if (outDim % inDim != 0) throw Unsupported(node, $"axis {k} from {inDim} to {outDim}");
            int r = outDim / inDim;
            for (int o = 0; o < outDim; o++)
                if (Source(o, scales[k], inDim, outDim, coords, rounding, node) != o / r) throw Unsupported(node, $"{coords}/{rounding} coordinates on axis {k}");
            if (r == 1 && groups.Count > 0 && groups[^1].Repeat == 1) groups[^1] = (groups[^1].Size * inDim, 1);
            else groups.Add((inDim, r));
        }
        var view = new List<int>();
        var keep = new List<int>();
        var src = new List<long>();
        long step = x.Count;
        foreach (var (size, repeat) in groups)
        {
            step /= size;
            view.Add(size);
            keep.Add(size);
            src.Add(step);
            if (repeat == 1) continue;
            view.Add(repeat);
            keep.Add(1);
            src.Add(0);
        }
        int[] shape = [.. view];
        return new ResizeKernel(node, inputs, outputs, new StridedDesc(shape, 0, [.. src], 0, Shapes.Strides(shape)), new ReduceDesc(shape, [.. keep], 1));
    }

    private static TrainingException Unsupported(Node node, string what) =>
        new($"node {node}: {node.OpType} with {what} is not supported in training (only nearest upsampling by whole factors)");

    /// <summary>The scale per axis as ONNX Runtime uses it in the coordinate transform: the scales
    /// input (or Upsample's attribute), or output over input size when sizes are given.</summary>
    private static float[] Scales(Node node, KernelBuildContext ctx, TrainTensor x, TrainTensor y)
    {
        if (node.GetInts("axes") is not null) throw Unsupported(node, "the axes attribute");
        int scalesInput = node.OpType == "Upsample" || ctx.Opset < 11 ? 1 : 2;
        float[]? scales = node.GetFloats("scales") ?? (node.Input(scalesInput) is { } s ? ctx.Constant(s)?.ToFloats() : null);
        return scales is { Length: > 0 } ? scales : x.Shape.Select((d, k) => (float)y.Shape[k] / d).ToArray();
    }

    /// <summary>ONNX's nearest source index of output index <paramref name="o"/>.</summary>
    private static long Source(int o, float scale, int inDim, int outDim, string coords, string rounding, Node node)
    {
        double c = coords switch
        {
            "half_pixel" => (o + 0.5) / scale - 0.5,
            "pytorch_half_pixel" => outDim > 1 ? (o + 0.5) / scale - 0.5 : 0,
            "align_corners" => outDim == 1 ? 0 : o * (inDim - 1.0) / (outDim - 1.0),
            "asymmetric" => o / (double)scale,
            "tf_half_pixel_for_nearest" => (o + 0.5) / scale,
            _ => throw Unsupported(node, $"coordinate mode '{coords}'"),
        };
        double i = rounding switch
        {
            "round_prefer_floor" => c - Math.Floor(c) == 0.5 ? Math.Floor(c) : Math.Round(c),
            "round_prefer_ceil" => c - Math.Floor(c) == 0.5 ? Math.Ceiling(c) : Math.Round(c),
            "floor" => Math.Floor(c),
            "ceil" => Math.Ceiling(c),
            _ => throw Unsupported(node, $"nearest mode '{rounding}'"),
        };
        return Math.Clamp((long)i, 0, inDim - 1);
    }

    private sealed class ResizeKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, StridedDesc copy, ReduceDesc sum)
        : OpKernel(node, inputs, outputs)
    {
        public override void Forward(ExecContext ctx) => ctx.K.StridedCopy(copy, Inputs[0]!.Data, Outputs[0].Data, accumulate: false);

        public override void Backward(ExecContext ctx)
        {
            if (Inputs[0]!.Grad is { } dx) ctx.K.Reduce(sum, Outputs[0].Grad!, dx, accumulate: true);
        }
    }
}
