using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>Ops that move, add or drop axes (Reshape, Transpose, Squeeze, Unsqueeze, Split, Expand,
/// Tile, DepthToSpace, SpaceToDepth) against ONNX Runtime, in the opset forms exporters use.</summary>
public class LayoutOpTests
{
    [Fact]
    public void ReshapeKeepsTheSymbolicBatchWhereItCanBeDerived()
    {
        var b = new ModelBuilder();
        var x = b.Input("x", 64, 1, 1);
        var y = b.Input("y", 8, 4, 4);
        var z = b.Input("z", 2);
        var types = () => ShapeInference.Run(b.Graph, 13);
        var minusOne = b.Reshape(x, -1, 64);
        var copy = b.Reshape(y, 0, -1);
        var mixed = b.Reshape(y, 0, 2, -1, 4);
        var lost = b.Reshape(z, -1);
        var t = types();
        Assert.Equal(new Shape([Dim.Sym("N"), 64]), t.ShapeOf(minusOne));
        Assert.Equal(new Shape([Dim.Sym("N"), 128]), t.ShapeOf(copy));
        Assert.Equal(new Shape([Dim.Sym("N"), 2, 16, 4]), t.ShapeOf(mixed));
        // 2N elements in one dim has no name.
        Assert.Equal(new Shape([Dim.Unknown]), t.ShapeOf(lost));
    }

    [Fact]
    public void ReshapeAndTransposeMatchOrt()
    {
        var b = new ModelBuilder(0, 14);
        var x = b.Input("x", 8, 4, 4);
        b.Reshape(x, 0, -1);
        b.Reshape(x, -1, 2, 4, 4);
        b.Node("Reshape", [x, b.ConstInts("shape", 2, -1, 4)], Attribute.Int("allowzero", 1));
        var t = b.Transpose(x, 0, 2, 3, 1);
        b.Transpose(t);
        OrtAgreement.Check(b);
    }

    /// <summary>Squeeze and Unsqueeze take their axes as an attribute in opset 11 and as an input
    /// from 13; negative axes count from the back (of the output, for Unsqueeze).</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void SqueezeAndUnsqueezeMatchOrt(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 1, 4, 1);
        string Axes(string op, string input, params long[] axes) => opset >= 13
            ? b.Node(op, [input, b.ConstInts("axes", axes)])
            : b.Node(op, [input], Attribute.IntList("axes", axes));
        var squeezed = Axes("Squeeze", x, 1, -1);
        Axes("Unsqueeze", squeezed, 0, -1);
        // No axes: every size-1 dim goes, the batch too when it is 1.
        b.Node("Squeeze", [x]);
        OrtAgreement.Check(b);
        Assert.Null(ShapeInference.Run(b.Graph, opset).ShapeOf(b.Graph.Nodes[^1].Outputs[0]));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(18)]
    public void SplitMatchesOrt(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 6, 5);
        if (opset >= 13) b.NodeMulti("Split", [x, b.ConstInts("split", 2, 4)], 2, Attribute.Int("axis", 1));
        else b.NodeMulti("Split", [x], 2, Attribute.Int("axis", 1), Attribute.IntList("split", 2, 4));
        if (opset >= 18) b.NodeMulti("Split", [x], 2, Attribute.Int("axis", -1), Attribute.Int("num_outputs", 2));
        else b.NodeMulti("Split", [x], 3, Attribute.Int("axis", 1));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void ExpandTileAndDepthSpaceMatchOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 1, 4);
        b.Node("Expand", [x, b.ConstInts("shape", 2, 1, 5, 1)]);
        b.Node("Expand", [x, b.ConstInts("shape", 3, 1)]);
        b.Node("Tile", [x, b.ConstInts("repeats", 1, 2, 3)]);
        b.Node("Tile", [x, b.ConstInts("repeats", 2, 1, 1)]);
        var y = b.Input("y", 8, 2, 3);
        var space = b.Node("DepthToSpace", [y], Attribute.Int("blocksize", 2), Attribute.Str("mode", "CRD"));
        b.Node("DepthToSpace", [y], Attribute.Int("blocksize", 2));
        b.Node("SpaceToDepth", [space], Attribute.Int("blocksize", 2));
        OrtAgreement.Check(b);
    }
}
