using Spp.Graph;

namespace Spp.Graph.Tests;

public class GraphOrderTests
{
    /// <summary>A graph with input x and Relu nodes with the given names, inputs and outputs.</summary>
    private static Graph Make(params (string name, string[] inputs, string[] outputs)[] nodes)
    {
        var g = new Graph();
        g.Inputs.Add(new ValueInfo("x", null));
        foreach (var (name, inputs, outputs) in nodes) g.Nodes.Add(new Node("Relu", name, inputs, outputs));
        return g;
    }

    private static string[] Names(Graph g) => g.Nodes.Select(n => n.Name).ToArray();

    [Fact]
    public void ValidOrderIsKept()
    {
        var g = Make(("b", ["x"], ["t1"]), ("a", ["x"], ["t0"]), ("c", ["t0", "t1"], ["y"]), ("d", ["x"], ["t3"]));
        GraphOrder.Check(g);
        Assert.Equal(["b", "a", "c", "d"], Names(g));
    }

    [Fact]
    public void OutOfOrderNodesAreSortedStably()
    {
        // Ready nodes are always taken in source order: d stays after the chain it does not need.
        var g = Make(("c", ["t1"], ["y"]), ("a", ["x"], ["t0"]), ("b", ["t0"], ["t1"]), ("d", ["x"], ["t3"]));
        GraphOrder.Check(g);
        Assert.Equal(["a", "b", "c", "d"], Names(g));
        GraphOrder.Check(g);
        Assert.Equal(["a", "b", "c", "d"], Names(g));
    }

    [Fact]
    public void CycleNamesANodeOfIt()
    {
        var g = Make(("a", ["x", "q"], ["p"]), ("b", ["p"], ["q"]), ("c", ["q"], ["y"]));
        var e = Assert.Throws<GraphException>(() => GraphOrder.Check(g));
        Assert.Contains("cycle", e.Message);
        Assert.Matches("'[ab]'", e.Message);
        Assert.Equal(["a", "b", "c"], Names(g));
    }

    [Fact]
    public void SelfLoopIsACycle()
    {
        var g = Make(("self", ["x", "s"], ["s"]));
        Assert.Contains("'self' is part of a cycle", Assert.Throws<GraphException>(() => GraphOrder.Check(g)).Message);
    }

    [Fact]
    public void TwoNodesProducingOneValue()
    {
        var g = Make(("a", ["x"], ["y"]), ("b", ["x"], ["y"]));
        var e = Assert.Throws<GraphException>(() => GraphOrder.Check(g));
        Assert.Contains("'y' is produced more than once", e.Message);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void NodeOverwritingAGraphInputOrInitializer()
    {
        var g = Make(("a", ["x"], ["x"]));
        Assert.Contains("'x' is produced more than once", Assert.Throws<GraphException>(() => GraphOrder.Check(g)).Message);

        var h = Make(("a", ["x"], ["w"]));
        h.AddInitializer(Tensor.FromFloats("w", [1], [1f]));
        Assert.Contains("'w' is produced more than once", Assert.Throws<GraphException>(() => GraphOrder.Check(h)).Message);
    }

    [Fact]
    public void UndefinedInputNamesNodeAndValue()
    {
        var g = Make(("a", ["x"], ["t"]), ("b", ["t", "ghost"], ["y"]));
        var e = Assert.Throws<GraphException>(() => GraphOrder.Check(g));
        Assert.Contains("'b'", e.Message);
        Assert.Contains("'ghost'", e.Message);
    }

    [Fact]
    public void OmittedOptionalInputsAndOuterScopeValuesAreDefined()
    {
        var g = Make(("a", ["x", "", "outer"], ["t", ""]), ("b", ["t"], ["y"]));
        Assert.Throws<GraphException>(() => GraphOrder.Check(g));
        GraphOrder.Check(g, new HashSet<string> { "outer" });
        Assert.Equal(["a", "b"], Names(g));
    }

    [Fact]
    public void UnnamedNodesAreNamedByOpAndOutput()
    {
        var g = Make(("", ["x", "q"], ["p"]), ("", ["p"], ["q"]));
        Assert.Contains("Relu->", Assert.Throws<GraphException>(() => GraphOrder.Check(g)).Message);
    }
}
