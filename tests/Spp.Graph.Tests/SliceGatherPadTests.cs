using Spp.Graph;
using Spp.TestModels;
using Attribute = Spp.Graph.Attribute;

namespace Spp.Graph.Tests;

/// <summary>Slice (clamping, negative steps, attribute form), Gather on data, and Pad (modes,
/// negative pads, attribute form, axes input) against ONNX Runtime.</summary>
public class SliceGatherPadTests
{
    [Fact]
    public void SliceMatchesOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 6, 8);
        string Slice(long[] starts, long[] ends, long[] axes, long[] steps) =>
            b.Node("Slice", [x, b.ConstInts("s", starts), b.ConstInts("e", ends), b.ConstInts("a", axes), b.ConstInts("st", steps)]);
        Slice([1, -3], [5, long.MaxValue], [1, 2], [2, 1]);
        Slice([-1], [-100], [2], [-2]);
        Slice([100, -100], [-100, 100], [1, -1], [-1, 3]);
        Slice([2], [1], [1], [1]);
        var whole = Slice([0], [long.MaxValue], [0], [1]);
        Slice([long.MaxValue], [long.MinValue], [0], [-1]);
        b.Node("Slice", [x, b.ConstInts("s", 1, 2), b.ConstInts("e", 3, 4)]);
        OrtAgreement.Check(b);
        Assert.Equal(new Shape([Dim.Sym("N"), 6, 8]), ShapeInference.Run(b.Graph, 13).ShapeOf(whole));
    }

    [Fact]
    public void SliceAttributeFormOfOpset9MatchesOrt()
    {
        var b = new ModelBuilder(0, 9);
        var x = b.Input("x", 6, 8);
        b.Node("Slice", [x], Attribute.IntList("starts", 1, -4), Attribute.IntList("ends", 1000, -1), Attribute.IntList("axes", 1, 2));
        b.Node("Slice", [x], Attribute.IntList("starts", 0, 2), Attribute.IntList("ends", 2, 4));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void GatherOnDataMatchesOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 6, 8);
        var indices = b.Graph;
        indices.AddInitializer(Tensor.FromInt64s("idx2d", [2, 2], [0, -1, 2, 1]));
        b.Node("Gather", [x, "idx2d"], Attribute.Int("axis", 1));
        b.Node("Gather", [x, b.ConstScalar("i", -2)], Attribute.Int("axis", -1));
        b.Node("Gather", [x, b.ConstInts("i", 0, 0, 0)]);
        OrtAgreement.Check(b);
    }

    [Fact]
    public void PadModesAndNegativePadsMatchOrt()
    {
        var b = new ModelBuilder(0, 13);
        var x = b.Input("x", 3, 5, 6);
        b.Node("Pad", [x, b.ConstInts("pads", 0, 0, 1, 2, 0, 0, 3, -1), b.Const("v", [], [1.5f])]);
        b.Node("Pad", [x, b.ConstInts("pads", 0, 0, 2, 1, 0, 0, 1, 2)], Attribute.Str("mode", "reflect"));
        b.Node("Pad", [x, b.ConstInts("pads", 0, 1, 0, -2, 0, 1, 0, -3)], Attribute.Str("mode", "edge"));
        b.Node("Pad", [x, b.ConstInts("pads", 1, 0, 0, 0, 1, 0, 0, 0)]);
        OrtAgreement.Check(b);
    }

    [Fact]
    public void PadAttributeFormOfOpset10MatchesOrt()
    {
        var b = new ModelBuilder(0, 10);
        var x = b.Input("x", 3, 5, 6);
        b.Node("Pad", [x], Attribute.IntList("pads", 0, 0, 1, 1, 0, 0, 2, 0), Attribute.Float("value", 2f));
        OrtAgreement.Check(b);
    }

    [Fact]
    public void PadAxesInputOfOpset18MatchesOrt()
    {
        var b = new ModelBuilder(0, 18);
        var x = b.Input("x", 3, 5, 6);
        b.Node("Pad", [x, b.ConstInts("pads", 1, 2, 3, -1), "", b.ConstInts("axes", 2, -1)]);
        b.Node("Pad", [x, b.ConstInts("pads", 2, 2), "", b.ConstInts("axes", 1)], Attribute.Str("mode", "reflect"));
        OrtAgreement.Check(b);
    }
}
