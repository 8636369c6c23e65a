using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>Resize and Upsample in the input layouts of their opsets (7, 9, 10, 11, 13, 18),
/// with scales, sizes, axes and keep_aspect_ratio_policy, against ONNX Runtime.</summary>
public class ResizeTests
{
    [Fact]
    public void ResizeOpset13ScalesAndSizesMatchOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 5, 6);
        var up = b.Node("Resize", [x, "", b.Const("scales", [4], [1, 1, 2, 2])], Attribute.Str("mode", "nearest"));
        b.Node("Resize", [x, "", b.Const("scales", [4], [1, 1, 1.5f, 0.3f])], Attribute.Str("mode", "linear"));
        b.Node("Resize", [x, "", "", b.ConstInts("sizes", 2, 3, 7, 4)], Attribute.Str("mode", "nearest"));
        OrtAgreement.Check(b);
        Assert.Equal(new Shape([Dim.Sym("N"), 3, 10, 12]), ShapeInference.Run(b.Graph, 13).ShapeOf(up));
    }

    /// <summary>Opset 11 requires roi and scales even when sizes are used: empty tensors.</summary>
    [Fact]
    public void ResizeOpset11WithEmptyRoiAndScalesMatchesOrt()
    {
        var b = new ModelBuilder(0, 11);
        var x = b.Input("x", 3, 5, 6);
        var roi = b.Const("roi", [0], []);
        b.Node("Resize", [x, roi, b.Const("scales", [0], []), b.ConstInts("sizes", 1, 3, 9, 2)]);
        b.Node("Resize", [x, roi, b.Const("scales", [4], [1, 1, 0.5f, 2])]);
        OrtAgreement.Check(b);
    }

    [Fact]
    public void ResizeOpset18AxesAndAspectPolicyMatchOrt()
    {
        var b = new ModelBuilder(0, 18);
        var x = b.Input("x", 3, 5, 6);
        var axes = Attribute.IntList("axes", 2, 3);
        b.Node("Resize", [x, "", b.Const("scales", [2], [2, 0.5f])], axes);
        b.Node("Resize", [x, "", "", b.ConstInts("sizes", 8, 9)], axes);
        b.Node("Resize", [x, "", "", b.ConstInts("sizes", 8, 9)], axes, Attribute.Str("keep_aspect_ratio_policy", "not_larger"));
        b.Node("Resize", [x, "", "", b.ConstInts("sizes", 8, 9)], axes, Attribute.Str("keep_aspect_ratio_policy", "not_smaller"));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void ResizeOpset10MatchesOrt()
    {
        var b = new ModelBuilder(0, 10);
        var x = b.Input("x", 3, 5, 6);
        b.Node("Resize", [x, b.Const("scales", [4], [1, 1, 2, 1.5f])]);
        OrtAgreement.Check(b);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    public void UpsampleMatchesOrt(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 3, 5, 6);
        float[] scales = [1, 1, 2, 3];
        if (opset >= 9) b.Node("Upsample", [x, b.Const("scales", [4], scales)]);
        else b.Node("Upsample", [x], Attribute.FloatList("scales", scales));
        OrtAgreement.Check(b);
    }
}
