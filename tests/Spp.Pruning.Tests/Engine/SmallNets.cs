using Spp.Graph;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Small trainable networks for loss, optimizer, gate and determinism tests.</summary>
public static class SmallNets
{
    /// <summary>x[3,6,6] -> Conv(4) -> BN -> act -> Conv(5) -> act -> [Dropout] -> GAP -> Flatten -> Gemm(classes).</summary>
    /// <param name="activation">Relu, or a smooth one (Softplus) for finite differences through the whole net.</param>
    public static Model ConvNet(int classes = 4, bool dropout = false, string activation = "Relu")
    {
        var b = new ModelBuilder(seed: 3);
        var h = b.Node(activation, [b.BatchNorm(b.Conv(b.Input("x", 3, 6, 6), 4))]);
        h = b.Node(activation, [b.Conv(h, 5)]);
        if (dropout) h = b.Node("Dropout", [h, b.Const("ratio", [], [0.25f])]);
        var y = b.Gemm(b.Flatten(b.GlobalAveragePool(h)), classes);
        b.Output(y);
        return b.Build();
    }

    /// <summary>The conv, BN and Gemm parameter names of <see cref="ConvNet"/>, in graph order.</summary>
    public static (string W1, string B1, string Gamma, string Beta, string W2, string B2, string Fc) Names(Model m)
    {
        var convs = m.Graph.Nodes.Where(n => n.OpType == "Conv").ToList();
        var bn = m.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");
        var gemm = m.Graph.Nodes.Single(n => n.OpType == "Gemm");
        return (convs[0].Inputs[1], convs[0].Inputs[2], bn.Inputs[1], bn.Inputs[2], convs[1].Inputs[1], convs[1].Inputs[2], gemm.Inputs[1]);
    }

    public static float[] RandomInput(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }
}
