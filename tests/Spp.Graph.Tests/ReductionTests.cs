using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>Reductions (axes as attribute or input, keepdims, noop_with_empty_axes), ArgMax/ArgMin,
/// TopK, NonZero and the multi-output and normalisation ops against ONNX Runtime.</summary>
public class ReductionTests
{
    [Fact]
    public void ReduceOpset13MatchesOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 5, 6);
        b.Node("ReduceMean", [x], Attribute.IntList("axes", 2, 3));
        b.Node("ReduceMax", [x], Attribute.IntList("axes", -1), Attribute.Int("keepdims", 0));
        b.Node("ReduceSum", [x, b.ConstInts("axes", 1)], Attribute.Int("keepdims", 0));
        b.Node("ReduceSum", [x], Attribute.Int("noop_with_empty_axes", 1));
        b.Node("ReduceSum", [x]);
        b.Node("ReduceL2", [x], Attribute.IntList("axes", 1));
        b.Node("ReduceMin", [x], Attribute.Int("keepdims", 0));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void ReduceOpset18AxesInputMatchesOrt()
    {
        var b = new ModelBuilder(0, 18);
        var x = b.Input("x", 3, 5, 6);
        b.Node("ReduceMean", [x, b.ConstInts("axes", 2, 3)]);
        b.Node("ReduceMax", [x, b.ConstInts("axes", -1)], Attribute.Int("keepdims", 0));
        b.Node("ReduceProd", [x, b.ConstInts("axes", 0, 1)], Attribute.Int("keepdims", 0));
        b.Node("ReduceLogSumExp", [x, b.ConstInts("axes", 1)]);
        b.Node("ReduceMin", [x], Attribute.Int("noop_with_empty_axes", 1));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void ArgTopKAndNonZeroMatchOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 5, 6);
        b.Node("ArgMax", [x], Attribute.Int("axis", 1), Attribute.Int("keepdims", 0));
        b.Node("ArgMin", [x], Attribute.Int("axis", -1), Attribute.Int("select_last_index", 1));
        b.NodeMulti("TopK", [x, b.ConstInts("k", 3)], 2, Attribute.Int("axis", 1));
        b.NodeMulti("TopK", [x, b.ConstInts("k", 2)], 2);
        var nz = b.Node("NonZero", [b.Node("Relu", [x])]);
        var constNz = b.Node("NonZero", [b.Const("c", [2, 3], [0, 1, 0, 2, 0, 3])]);
        OrtAgreement.Check(b, nz);
        var t = ShapeInference.Run(b.Graph, 13);
        Assert.Equal(new Shape([3, Dim.Unknown]), t.ShapeOf(nz));
        Assert.Equal([0L, 1, 1, 1, 0, 2], t.ValueOf(constNz)!.ToInt64s());
    }

    [Fact]
    public void TopKAttributeFormOfOpset9MatchesOrt()
    {
        var b = new ModelBuilder(0, 9);
        var x = b.Input("x", 5, 6);
        b.NodeMulti("TopK", [x], 2, Attribute.Int("k", 4));
        OrtAgreement.Check(b);
    }

    /// <summary>MaxPool's Indices and Dropout's mask outputs; Dropout's ratio (and training_mode) are
    /// an attribute in opset 11 and inputs from 12; Clip's optional bound inputs.</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void MaxPoolIndicesAndDropoutMaskMatchOrt(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 3, 6, 6);
        b.NodeMulti("MaxPool", [x], 2, Attribute.IntList("kernel_shape", 3, 3), Attribute.IntList("strides", 2, 2),
            Attribute.Int("ceil_mode", 1));
        if (opset >= 12)
        {
            b.NodeMulti("Dropout", [x, b.Const("ratio", [], [0.3f])], 2);
            b.Graph.AddInitializer(new Tensor("training", ElementType.Bool, [], [1]));
            b.NodeMulti("Dropout", [x, "", "training"], 2);
        }
        else b.NodeMulti("Dropout", [x], 2, Attribute.Float("ratio", 0.3f));
        // Clip's bounds are optional inputs from opset 11.
        b.Node("Clip", [x, b.Const("lo", [], [-0.5f]), b.Const("hi", [], [0.5f])]);
        b.Node("Clip", [x, "", b.Const("hi", [], [0.5f])]);
        OrtAgreement.Check(b);
    }

    [Theory]
    [InlineData(18)]
    [InlineData(21)]
    public void GroupNormalizationMatchesOrt(long opset)
    {
        var b = new ModelBuilder(0, opset);
        var x = b.Input("x", 6, 4, 4);
        long paramSize = opset >= 21 ? 6 : 3;
        b.Node("GroupNormalization", [x, b.Weight("scale", [paramSize]), b.Weight("bias", [paramSize])],
            Attribute.Int("num_groups", 3));
        OrtAgreement.Check(b);
    }
}
