using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>When shape arguments are computed at run time, rules keep what can still be told (rank,
/// untouched axes) and leave the rest unknown, without warnings; declared value_info fills in
/// what they could not infer.</summary>
public class PartialKnowledgeTests
{
    [Fact]
    public void RuntimeArgumentsLeaveOnlyTheirDimsUnknown()
    {
        var b = new ModelBuilder();
        var x = b.Input("x", 8, 4, 4);
        // An int64 scalar only known at run time, and a 1-element vector of it.
        var k = b.Node("Cast", [b.Node("ReduceMax", [x], Attribute.Int("keepdims", 0))], Attribute.Int("to", (long)ElementType.Int64));
        var kv = b.Node("Unsqueeze", [k, b.ConstInts("axes", 0)]);
        var pair = b.Concat(0, kv, kv);
        var reshaped = b.Node("Reshape", [x, pair]);
        var sliced = b.Node("Slice", [x, b.ConstInts("s", 0), kv, b.ConstInts("a", 2)]);
        var tiled = b.Node("Tile", [x, b.Concat(0, kv, kv, kv, kv)]);
        var padded = b.Node("Pad", [x, b.Concat(0, kv, kv, kv, kv, kv, kv, kv, kv)]);
        var filled = b.Node("ConstantOfShape", [pair]);
        var range = b.Node("Range", [b.ConstScalar("s", 0), k, b.ConstScalar("d", 1)]);
        var top = b.NodeMulti("TopK", [x, kv], 2, Attribute.Int("axis", 1));
        var reduced = b.Node("ReduceSum", [x, kv]);
        var resized = b.Node("Resize", [x, "", b.Node("Cast", [pair], Attribute.Int("to", (long)ElementType.Float))]);
        var t = ShapeInference.Run(b.Graph, 13);
        Assert.Empty(t.Warnings);
        var n = Dim.Sym("N");
        var u = Dim.Unknown;
        Assert.Equal(new Shape([u, u]), t.ShapeOf(reshaped));
        Assert.Equal(new Shape([n, 8, u, 4]), t.ShapeOf(sliced));
        Assert.Equal(new Shape([u, u, u, u]), t.ShapeOf(tiled));
        Assert.Equal(new Shape([u, u, u, u]), t.ShapeOf(padded));
        Assert.Equal(new Shape([u, u]), t.ShapeOf(filled));
        Assert.Equal(new Shape([u]), t.ShapeOf(range));
        Assert.Equal(new Shape([n, u, 4, 4]), t.ShapeOf(top[0]));
        Assert.Equal(ElementType.Int64, t.TypeOf(top[1])!.ElementType);
        Assert.Equal(new Shape([u, u, u, u]), t.ShapeOf(reduced));
        Assert.Equal(new Shape([u, u, u, u]), t.ShapeOf(resized));
    }

    [Fact]
    public void UnknownRankPropagatesWithoutWarnings()
    {
        var b = new ModelBuilder();
        b.Graph.Inputs.Add(new ValueInfo("x", new TensorType(ElementType.Float, null)));
        var outs = new[]
        {
            b.Node("Squeeze", ["x"]), b.Node("Unsqueeze", ["x", b.ConstInts("axes", 0)]), b.Transpose("x"),
            b.Node("Gather", ["x", b.ConstScalar("i", 0)]), b.Node("Shape", ["x"]), b.Node("Size", ["x"]),
            b.Node("ReduceMean", ["x"]), b.Node("ArgMax", ["x"]), b.Node("NonZero", ["x"]),
            b.Node("Slice", ["x", b.ConstInts("s", 0), b.ConstInts("e", 1)]), b.Node("Expand", ["x", b.ConstInts("e", 2, 2)]),
            b.Node("Resize", ["x", "", b.Const("sc", [2], [2, 2])]), b.Node("Pad", ["x", b.ConstInts("p", 1, 1)]),
        };
        var t = ShapeInference.Run(b.Graph, 13);
        Assert.Empty(t.Warnings);
        Assert.Equal(new Shape([Dim.Unknown]), t.ShapeOf(outs[4]));
        Assert.Equal(Shape.Scalar, t.ShapeOf(outs[5]));
        Assert.All(outs.Where((_, i) => i is not (4 or 5)), o => Assert.Null(t.ShapeOf(o)));
    }

    [Fact]
    public void DeclaredValueInfoFillsWhatInferenceLeftUnknown()
    {
        var b = new ModelBuilder();
        var x = b.Input("x", 8, 4, 4);
        var k = b.Node("Cast", [b.Node("ReduceMax", [x], Attribute.Int("keepdims", 0))], Attribute.Int("to", (long)ElementType.Int64));
        var kv = b.Node("Unsqueeze", [k, b.ConstInts("axes", 0)]);
        var sliced = b.Node("Slice", [x, b.ConstInts("s", 0), kv, b.ConstInts("a", 2)]);
        b.Graph.ValueInfos[sliced] = new ValueInfo(sliced, new TensorType(ElementType.Float, new Shape([Dim.Sym("batch"), 7, 3, 4])));
        // Inferred dims (the symbol included) win over declared ones; only the unknown one is taken.
        Assert.Equal(new Shape([Dim.Sym("N"), 8, 3, 4]), ShapeInference.Run(b.Graph, 13).ShapeOf(sliced));
    }

    [Theory]
    [InlineData("Reshape")]
    [InlineData("Squeeze")]
    [InlineData("Gather")]
    [InlineData("DepthToSpace")]
    public void InvalidNodesGiveWarningsNotCrashes(string op)
    {
        var b = new ModelBuilder();
        var x = b.Input("x", 3, 5);
        var y = op switch
        {
            "Reshape" => b.Reshape(x, 0, 7, -1),
            "Squeeze" => b.Node("Squeeze", [x, b.ConstInts("axes", 1)]),
            "Gather" => b.Node("Gather", [b.ConstInts("v", 1, 2), b.ConstInts("i", 5)]),
            _ => b.Node("DepthToSpace", [x], Attribute.Int("blocksize", 2)),
        };
        var t = ShapeInference.Run(b.Graph, 13, batch: 2);
        Assert.Single(t.Warnings);
        Assert.False(t.IsConstant(y));
    }
}
