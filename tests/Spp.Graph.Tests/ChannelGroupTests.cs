using Spp.Graph;
using Spp.Graph.Channels;
using Spp.TestModels;

namespace Spp.Graph.Tests;

/// <summary>Which channels each coupling pattern joins, locks or leaves prunable (the exactness of
/// the rewrite for the same models is checked with ONNX Runtime in the Backend tests).</summary>
public class ChannelGroupTests
{
    private static (Model, ChannelAnalysis) Analyse(string zoo)
    {
        var m = TestModelZoo.All[zoo]();
        return (m, ChannelAnalysis.Run(m.Graph, m.OnnxOpset));
    }

    private static ChannelGroup GroupOf(ChannelAnalysis a, string value) => a.Groups.Single(g => g.Values.Contains(value));

    private static string Out(Model m, string op, int k = 0) => m.Graph.Nodes.Where(n => n.OpType == op).ElementAt(k).Outputs[0];

    [Fact]
    public void ResidualAddJoinsTheStreamAndProjectionShortcut()
    {
        var (m, a) = Analyse("residual");
        var adds = m.Graph.Nodes.Where(n => n.OpType == "Add").ToList();
        // Both operands of each add and its output are one group (the residual stream).
        foreach (var add in adds)
        {
            var g = GroupOf(a, add.Outputs[0]);
            Assert.Contains(add.Inputs[0], g.Values);
            Assert.Contains(add.Inputs[1], g.Values);
            Assert.False(g.Locked);
        }
        Assert.NotEqual(GroupOf(a, adds[0].Outputs[0]).Id, GroupOf(a, adds[1].Outputs[0]).Id);
    }

    [Fact]
    public void ConcatKeepsBranchesAsSeparateGroups()
    {
        var (m, a) = Analyse("concat");
        var cat = m.Graph.Nodes.Single(n => n.OpType == "Concat");
        var groups = cat.Inputs.Select(i => GroupOf(a, i)).ToList();
        Assert.Equal(3, groups.Select(g => g.Id).Distinct().Count());
        Assert.Equal(new[] { 6, 5, 7 }, groups.Select(g => g.Width));
        Assert.All(groups, g => Assert.Contains(cat.Outputs[0], g.Values));
    }

    [Fact]
    public void DepthwiseConvCouplesInputAndOutputChannels()
    {
        var (m, a) = Analyse("depthwise");
        var dw = m.Graph.Nodes.Single(n => n.OpType == "Conv" && n.GetInt("group", 1) > 1);
        Assert.Equal(GroupOf(a, dw.Inputs[0]).Id, GroupOf(a, dw.Outputs[0]).Id);
        Assert.Equal(24, GroupOf(a, dw.Outputs[0]).Width);
    }

    [Fact]
    public void GroupedConvUnitsAreWholeConvGroups()
    {
        var (m, a) = Analyse("grouped");
        var gc = m.Graph.Nodes.Single(n => n.OpType == "Conv" && n.GetInt("group", 1) == 4);
        var g = GroupOf(a, gc.Outputs[0]);
        Assert.Equal(4, g.Width);
        Assert.Equal(4, g.SlotsPerUnit(gc.Inputs[0]));
        Assert.Equal(4, g.SlotsPerUnit(gc.Outputs[0]));
        Assert.False(g.Locked);
    }

    [Fact]
    public void SqueezeExcitationMulCouplesTheGateWithTheMainPath()
    {
        var (m, a) = Analyse("squeeze_excitation");
        var mul = m.Graph.Nodes.Single(n => n.OpType == "Mul");
        var g = GroupOf(a, mul.Outputs[0]);
        Assert.Contains(mul.Inputs[0], g.Values);
        Assert.Contains(mul.Inputs[1], g.Values);
        Assert.False(g.Locked);
    }

    [Fact]
    public void FlattenIntoGemmMakesBlocksOfFeatures()
    {
        var (m, a) = Analyse("flatten_gemm");
        var flat = m.Graph.Nodes.Single(n => n.OpType == "Flatten");
        var g = GroupOf(a, flat.Inputs[0]);
        Assert.Equal(5, g.Width);
        Assert.Equal(16, g.SlotsPerUnit(flat.Outputs[0]));   // 4x4 map per channel
    }

    [Fact]
    public void SplitAndSliceGiveSubRanges()
    {
        var (m, a) = Analyse("split");
        var split = m.Graph.Nodes.Single(n => n.OpType == "Split");
        Assert.Equal(4, GroupOf(a, split.Outputs[0]).Width);
        Assert.Equal(8, GroupOf(a, split.Outputs[1]).Width);

        var (m2, a2) = Analyse("slice_channels");
        Assert.Equal(4, GroupOf(a2, Out(m2, "Slice", 0)).Width);
        Assert.Equal(6, GroupOf(a2, Out(m2, "Slice", 1)).Width);
        Assert.False(GroupOf(a2, Out(m2, "Slice", 1)).Locked);
    }

    [Fact]
    public void ReshapeResizePadAndReduceKeepChannelsPrunable()
    {
        var (m, a) = Analyse("reshape_gemm");
        Assert.False(GroupOf(a, Out(m, "Reshape", 0)).Locked);
        Assert.Equal(36, GroupOf(a, Out(m, "Reshape", 2)).SlotsPerUnit(Out(m, "Reshape", 2)));

        var (m2, a2) = Analyse("resize_pad_reduce");
        foreach (var op in new[] { "Resize", "Pad", "ReduceMean" })
            Assert.False(GroupOf(a2, Out(m2, op)).Locked, op);
    }

    [Fact]
    public void GraphInputsAndOutputsAreLocked()
    {
        var (m, a) = Analyse("chain");
        Assert.True(GroupOf(a, "input").Locked);
        Assert.True(GroupOf(a, m.Graph.Outputs[0].Name).Locked);
    }

    [Fact]
    public void ChannelShuffleLocksItsChannels()
    {
        var b = new ModelBuilder(13);
        var x = b.Input("input", 3, 6, 6);
        var y = b.Relu(b.Conv(x, 8));
        var r = b.Reshape(y, 0, 2, 4, 6, 6);
        var t = b.Transpose(r, 0, 2, 1, 3, 4);
        var s = b.Reshape(t, 0, 8, 6, 6);
        var z = b.Relu(b.Conv(s, 5));
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(z)), 3));
        var m = b.Build();
        var a = ChannelAnalysis.Run(m.Graph, m.OnnxOpset);
        Assert.True(GroupOf(a, y).Locked);
        Assert.False(GroupOf(a, z).Locked);
    }
}
