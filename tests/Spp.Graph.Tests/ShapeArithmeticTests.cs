using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>The shape arithmetic exporters emit for dynamic batch (Shape, Gather, Unsqueeze,
/// Concat, Slice, Cast, Range, ConstantOfShape, Size, reductions of shape vectors): inferred shapes
/// and folded values against ONNX Runtime, and the folded values themselves.</summary>
public class ShapeArithmeticTests
{
    /// <summary>x.view(x.size(0), -1) as PyTorch exports it: Shape, Gather, Unsqueeze, Concat,
    /// Reshape. Unsqueeze's axes are an attribute in opset 11 and an input from 13.</summary>
    private static (ModelBuilder B, string Target, string Flat) ViewBatchMinusOne(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 8, 4, 4);
        var shape = b.Node("Shape", [x]);
        var n = b.Node("Gather", [shape, b.ConstScalar("i", 0)], Attribute.Int("axis", 0));
        var n1 = opset >= 13 ? b.Node("Unsqueeze", [n, b.ConstInts("axes", 0)]) : b.Node("Unsqueeze", [n], Attribute.IntList("axes", 0));
        var target = b.Concat(0, n1, b.ConstInts("rest", -1));
        var flat = b.Node("Reshape", [x, target]);
        b.Node("MatMul", [flat, b.Weight("w", [128, 10])]);
        return (b, target, flat);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void ViewBatchMinusOneMatchesOrt(long opset) => OrtAgreement.Check(ViewBatchMinusOne(opset).B);

    [Fact]
    public void ViewBatchMinusOneFoldsToAKnownShapeAtAGivenBatch()
    {
        var (b, target, flat) = ViewBatchMinusOne(13);
        var bound = ShapeInference.Run(b.Graph, 13, batch: 3);
        Assert.Equal([3L, -1L], bound.ValueOf(target)!.ToInt64s());
        Assert.Equal(new Shape(3, 128), bound.ShapeOf(flat));
        // With the batch symbolic the target is not a constant, but the rank still is.
        var free = ShapeInference.Run(b.Graph, 13);
        Assert.False(free.IsConstant(target));
        Assert.Equal(2, free.ShapeOf(flat)!.Rank);
    }

    [Fact]
    public void ShapeThenGatherFolds()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 4, 5);
        var shape = b.Node("Shape", [x]);
        var last = b.Node("Gather", [shape, b.ConstScalar("i", -1)]);
        var pair = b.Node("Gather", [shape, b.ConstInts("i", 0, 2)]);
        var types = ShapeInference.Run(b.Graph, 13, batch: 2);
        Assert.Equal([2L, 3, 4, 5], types.ValueOf(shape)!.ToInt64s());
        Assert.Equal(Shape.Scalar, types.ShapeOf(last));
        Assert.Equal([5L], types.ValueOf(last)!.ToInt64s());
        Assert.Equal([2L, 4], types.ValueOf(pair)!.ToInt64s());
        OrtAgreement.Check(b);
    }

    /// <summary>Opset 15's Shape(start) reads only known dims, so it folds with a symbolic batch.</summary>
    [Fact]
    public void ShapeWithStartFoldsDespiteSymbolicBatch()
    {
        var b = new ModelBuilder(0, 15);
        var x = b.Input("x", 3, 4, 5);
        var tail = b.Node("Shape", [x], Attribute.Int("start", 1));
        var middle = b.Node("Shape", [x], Attribute.Int("start", -3), Attribute.Int("end", -1));
        var empty = b.Node("Shape", [x], Attribute.Int("start", 3), Attribute.Int("end", 1));
        var types = ShapeInference.Run(b.Graph, 15);
        Assert.Equal([3L, 4, 5], types.ValueOf(tail)!.ToInt64s());
        Assert.Equal([3L, 4], types.ValueOf(middle)!.ToInt64s());
        Assert.Equal(new Shape(0), types.ShapeOf(empty));
        OrtAgreement.Check(b);
    }

    /// <summary>Flatten from dim 1 written out: the product of a slice of the shape, and the
    /// reversed shape from a negative-step slice.</summary>
    [Fact]
    public void SliceAndReduceOfShapeVectorsFold()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 4, 5);
        var shape = b.Node("Shape", [x]);
        var trailing = b.Node("Slice", [shape, b.ConstInts("s", 1), b.ConstInts("e", long.MaxValue)]);
        var product = b.Node("ReduceProd", [trailing], Attribute.Int("keepdims", 1));
        var batch = b.Node("Slice", [shape, b.ConstInts("s", 0), b.ConstInts("e", 1)]);
        var target = b.Concat(0, batch, product);
        var flat = b.Node("Reshape", [x, target]);
        var reversed = b.Node("Slice", [shape, b.ConstInts("s", -1), b.ConstInts("e", long.MinValue), b.ConstInts("a", 0), b.ConstInts("st", -1)]);
        var types = ShapeInference.Run(b.Graph, 13, batch: 2);
        Assert.Equal([60L], types.ValueOf(product)!.ToInt64s());
        Assert.Equal([5L, 4, 3, 2], types.ValueOf(reversed)!.ToInt64s());
        Assert.Equal(new Shape(2, 60), types.ShapeOf(flat));
        OrtAgreement.Check(b);
    }

    /// <summary>Shape arithmetic through float and back (interpolation sizes), Range over a dim,
    /// ConstantOfShape and Size (CastLike needs opset 15).</summary>
    [Fact]
    public void CastRangeConstantOfShapeAndSizeFold()
    {
        var b = new ModelBuilder(0, 15);
        var x = b.Input("x", 3, 4, 5);
        var shape = b.Node("Shape", [x]);
        var asFloat = b.Node("Cast", [shape], Attribute.Int("to", (long)ElementType.Float));
        var doubled = b.Mul(asFloat, b.Const("two", [], [2f]));
        var back = b.Node("Cast", [doubled], Attribute.Int("to", (long)ElementType.Int64));
        var like = b.Node("CastLike", [back, x]);
        var channels = b.Node("Gather", [shape, b.ConstScalar("i", 1)]);
        var range = b.Node("Range", [b.ConstScalar("start", 0), channels, b.ConstScalar("delta", 1)]);
        var floatRange = b.Node("Range", [b.Const("fs", [], [0.5f]), b.Const("fl", [], [3f]), b.Const("fd", [], [0.75f])]);
        var zeros = b.Node("ConstantOfShape", [shape]);
        var ones = b.Node("ConstantOfShape", [b.ConstInts("dims", 2, 3)], Attribute.Of("value", Tensor.FromInt64s("", [1], [1])));
        b.Add(x, zeros);
        var size = b.Node("Size", [x]);
        var types = ShapeInference.Run(b.Graph, 15, batch: 2);
        Assert.Equal([4L, 6, 8, 10], types.ValueOf(back)!.ToInt64s());
        Assert.Equal(ElementType.Float, types.TypeOf(like)!.ElementType);
        Assert.Equal([0L, 1, 2], types.ValueOf(range)!.ToInt64s());
        Assert.Equal([0.5, 1.25, 2, 2.75], types.ValueOf(floatRange)!.ToDoubles());
        Assert.Equal(new Shape(2, 3, 4, 5), types.ShapeOf(zeros));
        Assert.Equal(ElementType.Int64, types.TypeOf(ones)!.ElementType);
        Assert.Equal([120L], types.ValueOf(size)!.ToInt64s());
        OrtAgreement.Check(b);
    }

    /// <summary>A Resize whose sizes are the input's batch and channels next to constant spatial
    /// sizes, as exporters write F.interpolate(size=...).</summary>
    [Fact]
    public void ResizeToComputedSizesIsKnownAtAGivenBatch()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 4, 5);
        var shape = b.Node("Shape", [x]);
        var nc = b.Node("Slice", [shape, b.ConstInts("s", 0), b.ConstInts("e", 2)]);
        var sizes = b.Concat(0, nc, b.ConstInts("hw", 8, 7));
        var resized = b.Node("Resize", [x, "", "", sizes], Attribute.Str("mode", "nearest"));
        Assert.Equal(new Shape(2, 3, 8, 7), ShapeInference.Run(b.Graph, 13, batch: 2).ShapeOf(resized));
        OrtAgreement.Check(b);
    }
}
