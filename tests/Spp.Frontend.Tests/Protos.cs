using Google.Protobuf;
using Spp.Frontend;
using Spp.Frontend.Onnx;
using Spp.Graph;
using Spp.TestModels;

namespace Spp.Frontend.Tests;

/// <summary>Hand-built ONNX protobuf messages for reader tests.</summary>
internal static class Protos
{
    public static ValueInfoProto Value(string name, int elemType = 1, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string name, string[] inputs, string[] outputs, string domain = "")
    {
        var n = new NodeProto { OpType = op, Name = name, Domain = domain };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        return n;
    }

    /// <summary>input x [N,3] -> Relu -> output y, opset 13.</summary>
    public static ModelProto Relu(long irVersion = 7)
    {
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Value("x", 1, "N", 3));
        g.Output.Add(Value("y", 1, "N", 3));
        g.Node.Add(Node("Relu", "relu", ["x"], ["y"]));
        var m = new ModelProto { IrVersion = irVersion, ProducerName = "spp-tests", Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m;
    }

    /// <summary>The minimal model's input and output with these nodes instead of its Relu.</summary>
    public static ModelProto WithNodes(params NodeProto[] nodes)
    {
        var m = Relu();
        m.Graph.Node.Clear();
        m.Graph.Node.Add(nodes);
        return m;
    }

    /// <summary>The minimal model with one extra initializer.</summary>
    public static ModelProto WithInitializer(TensorProto t)
    {
        var m = Relu();
        m.Graph.Initializer.Add(t);
        return m;
    }

    public static string Save(TempDir dir, string name, IMessage m)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    /// <summary>Reads <paramref name="path"/>, expecting a one-line <see cref="ModelLoadException"/>
    /// that names the file and every string in <paramref name="mentions"/>.</summary>
    public static ModelLoadException LoadFails(string path, params string[] mentions) =>
        Check(Assert.Throws<ModelLoadException>(() => OnnxReader.Read(path)), path, mentions);

    public static ModelLoadException ConvertFails(ModelProto p, string path, params string[] mentions) =>
        Check(Assert.Throws<ModelLoadException>(() => OnnxReader.FromProto(p, path)), path, mentions);

    private static ModelLoadException Check(ModelLoadException e, string path, string[] mentions)
    {
        Assert.StartsWith(path + ":", e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    public static Model Read(ModelProto p) => OnnxReader.FromProto(p, "mem.onnx");
}
