using Attribute = Spp.Graph.Attribute;
using Spp.Graph;

namespace Spp.TestModels;

/// <summary>The built test models, one per structure sppc must handle.</summary>
public static class TestModelZoo
{
    public static IReadOnlyDictionary<string, Func<Model>> All { get; } = new Dictionary<string, Func<Model>>
    {
        ["chain"] = Chain,
        ["residual"] = Residual,
        ["concat"] = ConcatBranches,
        ["depthwise"] = Depthwise,
        ["grouped"] = Grouped,
        ["squeeze_excitation"] = SqueezeExcitation,
        ["flatten_gemm"] = FlattenGemm,
        ["split"] = SplitBranches,
        ["reshape_gemm"] = ReshapeIntoGemm,
        ["slice_channels"] = SliceChannels,
        ["resize_pad_reduce"] = ResizePadReduce,
    };

    /// <summary>Conv-BN-ReLU chain with max-pooling, global pooling and a classifier.</summary>
    public static Model Chain()
    {
        var b = new ModelBuilder(1);
        var x = b.Input("input", 3, 16, 16);
        var y = b.Relu(b.BatchNorm(b.Conv(x, 8)));
        y = b.MaxPool(y);
        y = b.Relu(b.BatchNorm(b.Conv(y, 16)));
        y = b.Gemm(b.Flatten(b.GlobalAveragePool(y)), 10);
        b.Output(y);
        return b.Build();
    }

    /// <summary>Two residual blocks sharing one residual stream, one with a projection shortcut.</summary>
    public static Model Residual()
    {
        var b = new ModelBuilder(2);
        var x = b.Input("input", 3, 12, 12);
        var s = b.Relu(b.Conv(x, 8));
        var r = b.Conv(b.Relu(b.Conv(s, 6)), 8);
        s = b.Relu(b.Add(s, r));
        var r2 = b.Conv(b.Relu(b.Conv(s, 10, stride: 2)), 12);
        var proj = b.Conv(s, 12, kernel: 1, stride: 2, pad: 0);
        s = b.Relu(b.Add(proj, r2));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(s)), 5));
        return b.Build();
    }

    /// <summary>Inception-like concat of three branches, then a conv over the concat.</summary>
    public static Model ConcatBranches()
    {
        var b = new ModelBuilder(3);
        var x = b.Input("input", 4, 10, 10);
        var a = b.Relu(b.Conv(x, 6, kernel: 1, pad: 0));
        var c = b.Relu(b.Conv(x, 5));
        var d = b.Relu(b.Conv(b.Relu(b.Conv(x, 3)), 7));
        var cat = b.Concat(1, a, c, d);
        var y = b.Relu(b.Conv(cat, 8));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(y)), 4));
        return b.Build();
    }

    /// <summary>MobileNetV2-style inverted residual: expand 1x1, depthwise 3x3, project 1x1, add.</summary>
    public static Model Depthwise()
    {
        var b = new ModelBuilder(4);
        var x = b.Input("input", 3, 12, 12);
        var s = b.Relu(b.BatchNorm(b.Conv(x, 8)));
        var e = b.Relu(b.BatchNorm(b.Conv(s, 24, kernel: 1, pad: 0)));
        var dw = b.Relu(b.BatchNorm(b.Conv(e, 24, group: 24)));
        var p = b.BatchNorm(b.Conv(dw, 8, kernel: 1, pad: 0));
        s = b.Add(s, p);
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(s)), 6));
        return b.Build();
    }

    /// <summary>ResNeXt-style grouped 3x3 conv (4 groups) between 1x1 convs.</summary>
    public static Model Grouped()
    {
        var b = new ModelBuilder(5);
        var x = b.Input("input", 3, 10, 10);
        var s = b.Relu(b.Conv(x, 8));
        var y = b.Relu(b.Conv(s, 16, kernel: 1, pad: 0));
        y = b.Relu(b.Conv(y, 16, group: 4));
        y = b.Conv(y, 8, kernel: 1, pad: 0);
        s = b.Relu(b.Add(s, y));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(s)), 3));
        return b.Build();
    }

    /// <summary>Squeeze-excitation: global pool, reduce, expand, sigmoid, channel-wise Mul.</summary>
    public static Model SqueezeExcitation()
    {
        var b = new ModelBuilder(6);
        var x = b.Input("input", 3, 10, 10);
        var y = b.Relu(b.Conv(x, 12));
        var se = b.GlobalAveragePool(y);
        se = b.Relu(b.Conv(se, 4, kernel: 1, pad: 0));
        se = b.Sigmoid(b.Conv(se, 12, kernel: 1, pad: 0));
        y = b.Mul(y, se);
        y = b.Relu(b.Conv(y, 10));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(y)), 4));
        return b.Build();
    }

    /// <summary>AlexNet/VGG-style flatten of a [N,C,H,W] map straight into a Gemm.</summary>
    public static Model FlattenGemm()
    {
        var b = new ModelBuilder(7);
        var x = b.Input("input", 3, 8, 8);
        var y = b.Relu(b.Conv(x, 6));
        y = b.MaxPool(y);
        y = b.Relu(b.Conv(y, 5));
        y = b.Relu(b.Gemm(b.Flatten(y), 12));
        b.Output(b.Gemm(y, 4));
        return b.Build();
    }

    /// <summary>ShuffleNet-like channel Split into two branches, concatenated again.</summary>
    public static Model SplitBranches()
    {
        var b = new ModelBuilder(8);
        var x = b.Input("input", 3, 10, 10);
        var y = b.Relu(b.Conv(x, 12));
        var parts = b.Split(y, 1, 4, 8);
        var right = b.Relu(b.Conv(parts[1], 8));
        var cat = b.Concat(1, parts[0], right);
        var z = b.Relu(b.Conv(cat, 6));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(z)), 3));
        return b.Build();
    }

    /// <summary>Flatten written as Reshape with an explicit constant target [-1, C*H*W] (rewritten),
    /// and a channel-preserving Reshape [N, C, H*W] with an explicit C.</summary>
    public static Model ReshapeIntoGemm()
    {
        var b = new ModelBuilder(9);
        var x = b.Input("input", 3, 6, 6);
        var y = b.Relu(b.Conv(x, 5));
        var z = b.Node("Reshape", [y, b.ConstInts("shape", 0, 5, 36)]);
        z = b.Node("Reshape", [z, b.ConstInts("shape", 0, 5, 6, 6)]);
        z = b.Relu(b.Conv(z, 4));
        var flat = b.Node("Reshape", [z, b.ConstInts("shape", -1, 4 * 36)]);
        b.Output(b.Gemm(b.Relu(b.Gemm(flat, 7)), 3));
        return b.Build();
    }

    /// <summary>Slices on the channel axis with constant bounds (rewritten), including an end past
    /// the last channel as exporters write it.</summary>
    public static Model SliceChannels()
    {
        var b = new ModelBuilder(10);
        var x = b.Input("input", 3, 8, 8);
        var y = b.Relu(b.Conv(x, 10));
        var first = b.Node("Slice", [y, b.ConstInts("starts", 0), b.ConstInts("ends", 4), b.ConstInts("axes", 1)]);
        var rest = b.Node("Slice", [y, b.ConstInts("starts", 4), b.ConstInts("ends", long.MaxValue), b.ConstInts("axes", 1)]);
        var r = b.Relu(b.Conv(rest, 6));
        var cat = b.Concat(1, first, r);
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(b.Relu(b.Conv(cat, 5)))), 3));
        return b.Build();
    }

    /// <summary>Resize with constant sizes (the channel entry rewritten), Pad on spatial axes,
    /// ReduceMean over H and W without keepdims into a Gemm.</summary>
    public static Model ResizePadReduce()
    {
        var b = new ModelBuilder(12);
        var x = b.Input("input", 3, 5, 5);
        var y = b.Relu(b.Conv(x, 6));
        y = b.Node("Resize", [y, "", "", b.ConstInts("sizes", 1, 6, 10, 10)], Attribute.Str("mode", "nearest"));
        y = b.Node("Pad", [y, b.ConstInts("pads", 0, 0, 1, 1, 0, 0, 1, 1)]);
        y = b.Relu(b.Conv(y, 7));
        var pooled = b.Node("ReduceMean", [y], Attribute.IntList("axes", 2, 3), Attribute.Int("keepdims", 0));
        b.Output(b.Gemm(pooled, 3));
        return b.Build();
    }
}