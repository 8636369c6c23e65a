using Spp.Graph;
using Spp.Graph.Channels;
using Spp.TestModels;

namespace Spp.Graph.Tests;

/// <summary>The cut-out of one group's layers that the latency model times (that ONNX Runtime runs
/// every cut-out is checked in the Backend tests), and the structure hash that keys its timings.</summary>
public class GroupSubgraphTests
{
    private static (Model Model, ChannelAnalysis Analysis, GraphTypes Symbolic) Analyse(Model m)
    {
        m = m.CloneWithGraph(ConstantUnsharing.Apply(m.Graph).Graph);
        return (m, ChannelAnalysis.Run(m.Graph, m.OnnxOpset), ShapeInference.Run(m.Graph, m.OnnxOpset));
    }

    private static bool IsAnchor(Node n) => n.Name.EndsWith("__anchor_conv", StringComparison.Ordinal);

    public static TheoryData<string> Models() => AllModels.Names();

    [Theory]
    [MemberData(nameof(Models))]
    public void CutOutHoldsTheNodesTouchingTheGroupAndNarrowsToAnyWidth(string name)
    {
        var (m, a, symbolic) = Analyse(AllModels.Load(name));
        foreach (var g in a.PrunableGroups)
        {
            var cut = GroupSubgraph.Extract(a, g, symbolic);
            var values = g.Values.ToHashSet();
            var touching = m.Graph.Nodes.Where(n => n.Inputs.Any(values.Contains) || n.Outputs.Any(values.Contains)).Select(n => n.Name).ToHashSet();
            var held = cut.Graph.Nodes.Where(n => !IsAnchor(n)).Select(n => n.Name).ToHashSet();
            Assert.Subset(held, touching);
            // Anything else is shape arithmetic that could not be frozen (Shape, Gather, Concat ...).
            Assert.All(held.Except(touching), n => Assert.DoesNotContain(m.Graph.Nodes.Single(x => x.Name == n).OpType, new[] { "Conv", "Gemm", "MatMul" }));
            Assert.All(cut.Graph.RealInputs, i => Assert.True(i.Type!.Shape!.Rank < 2 || i.Type.Shape[0].Symbol == GroupSubgraph.BatchSymbol, $"{i}"));

            // Narrowed, the group's values lose the removed units' channels (a concat also holds
            // other groups' channels).
            int w = Math.Max(1, g.Width / 2);
            var narrow = cut.At(w, m.OnnxOpset);
            var types = ShapeInference.Run(narrow, m.OnnxOpset, batch: 2);
            foreach (var v in g.Values)
                Assert.Equal(a.Types.ShapeOf(v)![1].Value - (long)(g.Width - w) * g.SlotsPerUnit(v), types.ShapeOf(v)![1].Value);
        }
    }

    [Fact]
    public void EqualBlocksHashAlikeAndWidthsDoNot()
    {
        var (m, a, symbolic) = Analyse(AllModels.Load("file:resnet20.bn.onnx"));
        string HashOf(string conv, int? width = null)
        {
            var g = a.PrunableGroups.Single(x => x.Producers.Contains(conv));
            var cut = GroupSubgraph.Extract(a, g, symbolic);
            return StructureHash.Of(width is int w ? cut.At(w, m.OnnxOpset) : cut.Graph);
        }
        // layer2.1 and layer2.2 are the same block with other weights; layer2.0 downsamples.
        Assert.Equal(HashOf("/layer2/layer2.1/conv1/Conv"), HashOf("/layer2/layer2.2/conv1/Conv"));
        Assert.NotEqual(HashOf("/layer2/layer2.0/conv1/Conv"), HashOf("/layer2/layer2.1/conv1/Conv"));
        Assert.NotEqual(HashOf("/layer2/layer2.1/conv1/Conv", 24), HashOf("/layer2/layer2.1/conv1/Conv"));
    }

    [Fact]
    public void NamesDoNotChangeTheHash()
    {
        var g = TestModelZoo.Chain().Graph;
        var renamed = g.Clone();
        string R(string v) => v.Length == 0 ? v : "x_" + v;
        foreach (var n in renamed.Nodes)
        {
            for (int i = 0; i < n.Inputs.Count; i++) n.Inputs[i] = R(n.Inputs[i]);
            for (int i = 0; i < n.Outputs.Count; i++) n.Outputs[i] = R(n.Outputs[i]);
            n.Name = R(n.Name);
        }
        var inits = renamed.Initializers.ToList();
        renamed.Initializers.Clear();
        foreach (var (k, t) in inits) renamed.Initializers[R(k)] = new Tensor(R(k), t.ElementType, t.Dims, t.RawData.ToArray());
        foreach (var v in renamed.Inputs.Concat(renamed.Outputs)) v.Name = R(v.Name);
        Assert.Equal(StructureHash.Of(g), StructureHash.Of(renamed));
        renamed.Nodes[0].SetAttr(Attribute.IntList("strides", 2, 2));
        Assert.NotEqual(StructureHash.Of(g), StructureHash.Of(renamed));
    }
}
