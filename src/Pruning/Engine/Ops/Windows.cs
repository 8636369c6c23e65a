using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>The sliding-window geometry of Conv and pooling nodes: kernel, strides, dilations and
/// begin/end pads per spatial axis (auto_pad resolved), for 1-d and 2-d windows. A 1-d window is a
/// 2-d one of height 1, so kernels need only the 2-d form.</summary>
internal sealed record Windows(int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] PadEnd)
{
    /// <summary>Spatial dims of an [N, C, ...] shape, lifted to two (H, W) for 1-d.</summary>
    public static int[] Spatial2d(Node node, int[] shape) => shape.Length switch
    {
        3 => [1, shape[2]],
        4 => [shape[2], shape[3]],
        _ => throw new TrainingException($"node {node}: {node.OpType} over {shape.Length - 2} spatial dims is not supported in training (1-d and 2-d are)"),
    };

    /// <summary>Reads the attributes for input spatial dims <paramref name="input"/> and output
    /// dims <paramref name="output"/> (both as given, 1 or 2 of them), then lifts 1-d to 2-d.
    /// <paramref name="transposed"/>: a ConvTranspose, whose pads (when not explicit: with
    /// output_shape or auto_pad) make stride*(in-1) + output_padding + extent - out, split as ONNX
    /// Runtime does; a Conv's or pool's SAME pads make (out-1)*stride + extent - in.</summary>
    public static Windows Read(Node node, int[] kernel, int[] input, int[] output, bool transposed = false)
    {
        int r = kernel.Length;
        int[] Ints(string name, int dflt) => node.GetInts(name)?.Select(v => checked((int)v)).ToArray() ?? Enumerable.Repeat(dflt, r).ToArray();
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var outPad = Ints("output_padding", 0);
        var pads = node.GetInts("pads")?.Select(v => checked((int)v)).ToArray();
        string auto = node.GetString("auto_pad", "NOTSET");
        int[] begin = pads?[..r] ?? new int[r], end = pads?[r..] ?? new int[r];
        bool derive = auto is "SAME_UPPER" or "SAME_LOWER" || (transposed && pads is null && auto == "NOTSET");
        for (int k = 0; derive && k < r; k++)
        {
            int extent = (kernel[k] - 1) * dilations[k] + 1;
            int total = transposed
                ? strides[k] * (input[k] - 1) + outPad[k] + extent - output[k]
                : Math.Max(0, (output[k] - 1) * strides[k] + extent - input[k]);
            // The extra element of an odd total goes to the end for SAME_UPPER, else to the start.
            begin[k] = auto == "SAME_UPPER" ? total / 2 : total - total / 2;
            end[k] = total - begin[k];
        }
        if (auto == "VALID")
        {
            begin = new int[r];
            end = new int[r];
        }
        var w = new Windows(kernel, strides, dilations, begin, end);
        return r == 1 ? w.Lift() : w;
    }

    private Windows Lift() => new([1, Kernel[0]], [1, Strides[0]], [1, Dilations[0]], [0, PadBegin[0]], [0, PadEnd[0]]);

    public ConvDesc Conv(int n, int cin, int[] hw, int cout, int groups) =>
        new(n, cin, hw[0], hw[1], cout, Kernel[0], Kernel[1], Strides[0], Strides[1], PadBegin[0], PadBegin[1], PadEnd[0], PadEnd[1],
            Dilations[0], Dilations[1], groups);
}
