using Spp.Pruning.Engine;
using Spp.TestModels;
using A = Spp.Graph.Attribute;

namespace Spp.Pruning.Tests.Engine;

/// <summary>What training does not support fails at build time with a TrainingException that names
/// the node and the reason, never with a wrong result.</summary>
public sealed class UnsupportedTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "Pad_reflect", "mode 'reflect'" },
        { "Resize_linear", "mode 'linear'" },
        { "Resize_downsample", "from 4 to 2" },
        { "Cast_to_int", "Cast to element type 7" },
        { "MaxPool_indices", "Indices output" },
        { "Conv_3d", "3 spatial dims" },
    };

    private static Graph.Model Build(string name)
    {
        var b = new ModelBuilder();
        string[] y = name switch
        {
            "Pad_reflect" => [b.Node("Pad", [b.Input("x", 2, 3, 3), b.ConstInts("p", 0, 0, 1, 1, 0, 0, 1, 1)], A.Str("mode", "reflect"))],
            "Resize_linear" => [b.Node("Resize", [b.Input("x", 2, 3, 3), b.Const("roi", [0], []), b.Const("sc", [4], [1, 1, 2, 2])], A.Str("mode", "linear"))],
            "Resize_downsample" => [b.Node("Resize", [b.Input("x", 2, 4, 4), b.Const("roi", [0], []), b.Const("sc", [4], [1, 1, 0.5f, 0.5f])])],
            "Cast_to_int" => [b.Node("Cast", [b.Input("x", 3)], A.Int("to", 7))],
            "MaxPool_indices" => b.NodeMulti("MaxPool", [b.Input("x", 2, 4, 4)], 2, A.IntList("kernel_shape", 2, 2)),
            _ => [b.Node("Conv", [b.Input("x", 2, 3, 3, 3), b.Weight("w", [2, 2, 1, 1, 1])])],
        };
        foreach (var o in y) b.Output(o);
        return b.Build();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Build_fails_with_a_clear_message(string name, string reason)
    {
        var model = Build(name);
        using var k = Backends.Create(Backends.All.Keys.First());
        var e = Assert.Throws<TrainingException>(() => TrainingGraph.Build(model, 2, k));
        Assert.Contains(reason, e.Message);
        Assert.Contains(model.Graph.Nodes[^1].Name, e.Message);
    }
}
