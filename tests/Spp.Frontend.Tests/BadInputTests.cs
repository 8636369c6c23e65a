using Google.Protobuf;
using Spp.Backend.Onnx;
using Spp.Frontend.Onnx;
using Spp.TestModels;
using static Spp.Frontend.Tests.Protos;

namespace Spp.Frontend.Tests;

/// <summary>Every kind of bad input gives a one-line <see cref="ModelLoadException"/> naming the
/// file (and the node, tensor or value at fault), never another exception.</summary>
public class BadInputTests
{
    private static readonly string Resnet = RepoPaths.Model("resnet20.onnx");

    [Fact]
    public void TextFile()
    {
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("notes.onnx");
        File.WriteAllText(path, "this is not a model\nbut a text file\n");
        LoadFails(path, "not an ONNX model");
    }

    [Fact]
    public void RandomBytes()
    {
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("random.onnx");
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        LoadFails(path);
    }

    [Fact]
    public void EmptyFile()
    {
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("empty.onnx");
        File.WriteAllBytes(path, []);
        LoadFails(path, "empty");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(250_000)]
    [InlineData(600_000)]
    [InlineData(-1)]
    [InlineData(-100)]
    public void TruncatedFile(int cut)
    {
        var bytes = File.ReadAllBytes(Resnet);
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("cut.onnx");
        File.WriteAllBytes(path, bytes[..(cut > 0 ? cut : bytes.Length + cut)]);
        LoadFails(path);
    }

    /// <summary>A cut exactly between two top-level fields still parses as protobuf: what is missing
    /// (the graph, the opset imports) must still be noticed.</summary>
    [Fact]
    public void TruncatedAtEveryTopLevelFieldBoundary()
    {
        var bytes = File.ReadAllBytes(Resnet);
        var ends = new List<int>();
        var input = new CodedInputStream(bytes);
        while (!input.IsAtEnd)
        {
            input.ReadTag();
            input.SkipLastField();
            ends.Add((int)input.Position);
        }
        Assert.True(ends.Count >= 3);
        using var tmp = RepoPaths.Temp();
        foreach (int end in ends.Where(e => e < bytes.Length))
        {
            var path = tmp.File($"cut{end}.onnx");
            File.WriteAllBytes(path, bytes[..end]);
            LoadFails(path);
        }
    }

    [Fact]
    public void MissingModelFile()
    {
        using var tmp = RepoPaths.Temp();
        LoadFails(tmp.File("absent.onnx"), "no such file");
    }

    [Fact]
    public void Directory()
    {
        using var tmp = RepoPaths.Temp();
        LoadFails(tmp.Path, "directory");
    }

    [Fact]
    public void MissingExternalDataFile()
    {
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("ext.onnx");
        OnnxWriter.Write(TestModelZoo.Chain(), path, externalData: true);
        File.Delete(path + ".data");
        LoadFails(path, "ext.onnx.data", "does not exist", "tensor '");
    }

    [Fact]
    public void ExternalDataShorterThanNeeded()
    {
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("ext.onnx");
        OnnxWriter.Write(TestModelZoo.Chain(), path, externalData: true);
        using (var fs = new FileStream(path + ".data", FileMode.Open)) fs.SetLength(fs.Length / 2);
        LoadFails(path, "ext.onnx.data", "truncated", "tensor '");
    }

    /// <summary>A location must stay inside the model's folder (as onnx and ONNX Runtime require):
    /// a model file must not make sppc read arbitrary files.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExternalDataOutsideTheModelFolder(bool absolute)
    {
        using var tmp = RepoPaths.Temp();
        var outside = tmp.File("outside.bin");
        File.WriteAllBytes(outside, new byte[64]);
        System.IO.Directory.CreateDirectory(tmp.File("sub"));
        string location = absolute ? outside : "../outside.bin";
        var t = new TensorProto { Name = "w", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.Add(2);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        var path = Save(tmp, "sub/m.onnx", WithInitializer(t));
        LoadFails(path, "tensor 'w'", location, "outside");
    }

    [Fact]
    public void UnknownElementTypeOfInitializer()
    {
        var t = new TensorProto { Name = "odd", DataType = 99, RawData = ByteString.CopyFrom(1, 2, 3, 4) };
        t.Dims.Add(4);
        using var tmp = RepoPaths.Temp();
        LoadFails(Save(tmp, "m.onnx", WithInitializer(t)), "tensor 'odd'", "99");
    }

    [Fact]
    public void UnknownElementTypeOfGraphInput()
    {
        var m = Relu();
        m.Graph.Input[0].Type.TensorType.ElemType = 99;
        using var tmp = RepoPaths.Temp();
        LoadFails(Save(tmp, "m.onnx", m), "'x'", "99");
    }

    [Fact]
    public void UnknownElementTypeInNodeAttribute()
    {
        var m = Relu();
        var c = Node("Constant", "const", [], ["c"]);
        var t = new TensorProto { DataType = 99 };
        c.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t });
        m.Graph.Node.Add(c);
        ConvertFails(m, "mem.onnx", "attribute 'value' of node 'const'", "99");
    }

    [Fact]
    public void TypedFieldsWithTheWrongNumberOfValues()
    {
        var t = new TensorProto { Name = "short", DataType = 1 };
        t.Dims.Add(3);
        t.FloatData.Add([1f, 2f]);
        ConvertFails(WithInitializer(t), "mem.onnx", "tensor 'short'", "2 values for 3 elements");
    }

    [Fact]
    public void DimensionsWhoseProductOverflows()
    {
        var t = new TensorProto { Name = "huge", DataType = 1 };
        t.Dims.Add([1L << 32, 1L << 32]);
        ConvertFails(WithInitializer(t), "mem.onnx", "tensor 'huge'");
    }

    [Fact]
    public void Cycle()
    {
        var m = WithNodes(
            Node("Add", "a", ["x", "q"], ["p"]),
            Node("Relu", "b", ["p"], ["q"]),
            Node("Relu", "c", ["q"], ["y"]));
        ConvertFails(m, "mem.onnx", "cycle", "'a'");
    }

    [Fact]
    public void NodeReadingAnUndefinedValue()
    {
        var m = Relu();
        m.Graph.Node[0].Input[0] = "ghost";
        ConvertFails(m, "mem.onnx", "'relu'", "'ghost'");
    }

    [Fact]
    public void ValueProducedTwice()
    {
        var m = Relu();
        m.Graph.Node.Add(Node("Relu", "again", ["x"], ["y"]));
        ConvertFails(m, "mem.onnx", "'y'", "more than once");
    }

    [Fact]
    public void InitializerDefinedTwice()
    {
        var t = new TensorProto { Name = "w", DataType = 7, RawData = ByteString.CopyFrom(new byte[8]) };
        var m = WithInitializer(t);
        m.Graph.Initializer.Add(t.Clone());
        ConvertFails(m, "mem.onnx", "'w'", "twice");
    }

    [Fact]
    public void NoOpsetImport()
    {
        var m = Relu();
        m.OpsetImport.Clear();
        ConvertFails(m, "mem.onnx", "opset");
    }

    [Fact]
    public void NoGraph()
    {
        var m = Relu();
        m.Graph = null;
        ConvertFails(m, "mem.onnx", "no graph");
    }
}
