using Spp.Frontend;
using Spp.Graph;
using Spp.TestModels;

namespace Spp.Graph.Tests;

/// <summary>MACs per sample match PyTorch's Conv+Gemm counts (models/README.md) exactly.</summary>
public class MacCountTests
{
    [Theory]
    [InlineData("resnet20.onnx", 31_021_952)]
    [InlineData("resnet20.bn.onnx", 31_021_952)]
    [InlineData("vgg11s.onnx", 29_128_448)]
    [InlineData("vgg11s.bn.onnx", 29_128_448)]
    [InlineData("mbv2s.onnx", 10_571_664)]
    [InlineData("mbv2s.bn.onnx", 10_571_664)]
    public void RealModelsMatchPyTorch(string file, long convGemmMacs)
    {
        var m = OnnxReader.Read(RepoPaths.Model(file));
        var s = ModelSummary.Of(m);
        Assert.Equal(convGemmMacs, s.ConvGemmMacsPerSample);
        // BN, activations, pooling and adds count no MACs, as in PyTorch's figure.
        Assert.Equal(convGemmMacs, s.MacsPerSample);
        Assert.Equal(convGemmMacs, MacCount.PerSample(m.Graph, m.OnnxOpset));
        Assert.Empty(s.UnknownOps);
        Assert.Empty(s.Warnings);
        Assert.DoesNotContain(s.Nodes, n => n.Macs is null);
    }

    [Fact]
    public void ConvGroupedConvAndGemmFormulas()
    {
        var b = new ModelBuilder();
        var x = b.Input("input", 3, 16, 16);
        var c1 = b.Conv(x, 8);                                    // 8*3*3*3 * 16*16
        var c2 = b.Conv(c1, 8, stride: 2, group: 8);              // depthwise: 8*1*3*3 * 8*8
        var c3 = b.Conv(c2, 4, kernel: 1, pad: 0, group: 2);      // 4*4*1*1 * 8*8
        var y = b.Gemm(b.Flatten(b.GlobalAveragePool(c3)), 10);   // 10*4
        b.Output(y);
        var m = b.Build();
        var perNode = MacCount.PerNode(m.Graph, ShapeInference.Run(m.Graph, 13, batch: 1), 13);
        long[] expected = [8 * 27 * 256, 8 * 9 * 64, 4 * 4 * 64, 0, 0, 40];
        Assert.Equal(expected, m.Graph.Nodes.Select(n => perNode[n] ?? -1));
        Assert.Equal(expected.Sum(), MacCount.PerSample(m.Graph, 13));
    }

    [Fact]
    public void UnknownOpsCountZeroAndAreReported()
    {
        var b = new ModelBuilder();
        var x = b.Input("input", 3, 4, 4);
        b.Graph.Nodes.Add(new Node("Mystery", "m", [x], ["m_out"], domain: "com.example"));
        b.Graph.Outputs.Add(new ValueInfo("m_out", null));
        var m = b.Build();
        var s = ModelSummary.Of(m);
        Assert.Equal(0, s.MacsPerSample);
        Assert.Null(s.Nodes[0].Macs);
        Assert.Equal(["com.example.Mystery"], s.UnknownOps);
    }
}
