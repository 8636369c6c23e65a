using Google.Protobuf;
using Spp.Backend.Onnx;
using Spp.Frontend.Onnx;
using Spp.TestModels;
using static Spp.Frontend.Tests.Protos;

namespace Spp.Frontend.Tests;

/// <summary>Whatever the IR does not model travels through read + write unchanged, and the IR
/// version is never raised.</summary>
public class PreservationTests
{
    private static StringStringEntryProto Entry(string k, string v) => new() { Key = k, Value = v };

    private static TensorProto Raw(string name, int type, long[] dims, byte[] data)
    {
        var t = new TensorProto { Name = name, DataType = type, RawData = ByteString.CopyFrom(data) };
        t.Dims.Add(dims);
        return t;
    }

    private static AttributeProto Attr(string name, AttributeProto.Types.AttributeType type) => new() { Name = name, Type = type };

    /// <summary>A model that uses every part of the schema the IR carries without modelling.</summary>
    internal static ModelProto Everything(long irVersion)
    {
        var m = Relu(irVersion);
        m.ProducerVersion = "0.1";
        m.Domain = "org.example";
        m.ModelVersion = 3;
        m.DocString = "model doc";
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example", Version = 2 });
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "org.example.fn", Version = 1 });
        m.MetadataProps.Add([Entry("author", "tests"), Entry("license", "none")]);
        m.Configuration.Add(new DeviceConfigurationProto { Name = "cfg", NumDevices = 2, Device = { "d0", "d1" } });

        // A model-local function and a node that calls it.
        var fn = new FunctionProto
        {
            Name = "Twice", Domain = "org.example.fn", DocString = "fn doc", Input = { "a" }, Output = { "b" },
            Attribute = { "alpha" },
        };
        var fnNode = Node("LeakyRelu", "fn_inner", ["a"], ["b"]);
        fnNode.Attribute.Add(new AttributeProto { Name = "alpha", RefAttrName = "alpha", Type = AttributeProto.Types.AttributeType.Float });
        fn.Node.Add(fnNode);
        fn.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        m.Functions.Add(fn);

        m.TrainingInfo.Add(new TrainingInfoProto
        {
            Initialization = new GraphProto { Name = "init", Node = { Node("RandomNormal", "rn", [], ["w_init"]) } },
            Algorithm = new GraphProto { Name = "algo" },
            UpdateBinding = { Entry("w", "w_new") },
        });

        var g = m.Graph;
        g.DocString = "graph doc";
        g.MetadataProps.Add(Entry("graph-key", "graph-value"));
        g.Node[0].DocString = "relu doc";
        g.Node[0].MetadataProps.Add(Entry("node-key", "node-value"));

        // A tensor with a doc string and metadata, read by a node of an unknown domain.
        var w = Raw("w", 1, [3], [.. new[] { 1f, 2f, 3f }.SelectMany(BitConverter.GetBytes)]);
        w.DocString = "weight doc";
        w.MetadataProps.Add(Entry("tensor-key", "tensor-value"));
        g.Initializer.Add(w);

        // A sparse initializer, read by the unknown op.
        g.SparseInitializer.Add(new SparseTensorProto
        {
            Values = Raw("sp", 1, [2], [.. new[] { 4f, 5f }.SelectMany(BitConverter.GetBytes)]),
            Indices = Raw("sp_idx", 7, [2], [.. new[] { 0L, 2L }.SelectMany(BitConverter.GetBytes)]),
            Dims = { 3 },
        });

        var custom = Node("Frobnicate", "frob", ["y", "w", "sp"], ["z"], "com.example");
        custom.DocString = "custom doc";
        var f = Attr("gain", AttributeProto.Types.AttributeType.Float);
        f.F = 0.5f;
        f.DocString = "attr doc";
        var s = Attr("mode", AttributeProto.Types.AttributeType.String);
        s.S = ByteString.CopyFromUtf8("fast");
        var ints = Attr("sizes", AttributeProto.Types.AttributeType.Ints);
        ints.Ints.Add([1, 2, 3]);
        var tensor = Attr("table", AttributeProto.Types.AttributeType.Tensor);
        tensor.T = Raw("", 7, [2], new byte[16]);
        var sparse = Attr("mask", AttributeProto.Types.AttributeType.SparseTensor);
        sparse.SparseTensor = new SparseTensorProto { Values = Raw("mv", 1, [1], new byte[4]), Indices = Raw("mi", 7, [1], new byte[8]), Dims = { 4 } };
        var tp = Attr("out_type", AttributeProto.Types.AttributeType.TypeProto);
        tp.Tp = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = Value("e", 1, 2).Type } };
        custom.Attribute.Add([f, s, ints, tensor, sparse, tp]);
        g.Node.Add(custom);

        // The function call, and an If whose branches read an outer-scope value.
        g.Node.Add(Node("Twice", "call", ["z"], ["t"], "org.example.fn"));
        g.Node.Add(Node("Constant", "cond_const", [], ["cond"]));
        var condValue = Attr("value", AttributeProto.Types.AttributeType.Tensor);
        condValue.T = Raw("", 9, [], [1]);
        g.Node[^1].Attribute.Add(condValue);
        var ifNode = Node("If", "branch", ["cond"], ["u"]);
        foreach (var (name, op) in new[] { ("then_branch", "Relu"), ("else_branch", "Neg") })
        {
            var sub = new GraphProto { Name = name, DocString = name + " doc" };
            sub.Node.Add(Node(op, name + "_op", ["t"], [name + "_out"]));
            sub.Output.Add(Value(name + "_out", 1, "N", 3));
            var a = Attr(name, AttributeProto.Types.AttributeType.Graph);
            a.G = sub;
            ifNode.Attribute.Add(a);
        }
        g.Node.Add(ifNode);
        g.Output.Add(Value("u", 1, "N", 3));

        // value_info with type and dim denotations, doc string and metadata.
        var vi = Value("z", 1, "N", 3);
        vi.Type.Denotation = "TENSOR";
        vi.Type.TensorType.Shape.Dim[0].Denotation = "DATA_BATCH";
        vi.Type.TensorType.Shape.Dim[1].Denotation = "DATA_CHANNEL";
        vi.DocString = "z doc";
        vi.MetadataProps.Add(Entry("vi-key", "vi-value"));
        g.ValueInfo.Add(vi);
        // A non-tensor value type (sequence) and a value with unknown dims.
        g.ValueInfo.Add(new ValueInfoProto { Name = "t", Type = tp.Tp.Clone() });
        var unknownDims = Value("cond", 9);
        unknownDims.Type.TensorType.Shape = null;
        g.ValueInfo.Add(unknownDims);
        g.Input[0].DocString = "input doc";

        g.QuantizationAnnotation.Add(new TensorAnnotation
        {
            TensorName = "y",
            QuantParameterTensorNames = { Entry("SCALE_TENSOR", "y_scale"), Entry("ZERO_POINT_TENSOR", "y_zp") },
        });
        return m;
    }

    /// <summary>The same message with fields from a newer schema (unknown field numbers) added to
    /// the model, graph, node, tensor and value_info.</summary>
    private static ModelProto WithUnknownFields(ModelProto m)
    {
        static T AddUnknown<T>(T msg, MessageParser<T> parser, int field) where T : IMessage<T>
        {
            var extra = new MemoryStream();
            var o = new CodedOutputStream(extra);
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteString("from the future");
            o.Flush();
            return parser.ParseFrom([.. msg.ToByteArray(), .. extra.ToArray()]);
        }
        var g = m.Graph;
        g.Node[0] = AddUnknown(g.Node[0], NodeProto.Parser, 900);
        g.Initializer[0] = AddUnknown(g.Initializer[0], TensorProto.Parser, 901);
        g.ValueInfo[0] = AddUnknown(g.ValueInfo[0], ValueInfoProto.Parser, 902);
        g.Node[1].Attribute[0] = AddUnknown(g.Node[1].Attribute[0], AttributeProto.Parser, 903);
        m.Graph = AddUnknown(g, GraphProto.Parser, 904);
        return AddUnknown(m, ModelProto.Parser, 905);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(10)]
    public void UnknownContentSurvivesReadAndWrite(long irVersion)
    {
        var p = WithUnknownFields(Everything(irVersion));
        var back = OnnxWriter.ToProto(Read(p), null);
        Assert.Equal(p, back);
    }

    [Fact]
    public void UnknownContentSurvivesAFileRoundTrip()
    {
        var p = WithUnknownFields(Everything(10));
        using var tmp = RepoPaths.Temp();
        var path = Save(tmp, "in.onnx", p);
        var outPath = tmp.File("out.onnx");
        OnnxWriter.Write(OnnxReader.Read(path), outPath);
        Assert.Equal(p, ModelProto.Parser.ParseFrom(File.ReadAllBytes(outPath)));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]
    public void IrVersionIsNeverRaised(long irVersion)
    {
        var m = Read(Relu(irVersion));
        Assert.Equal(irVersion, m.IrVersion);
        Assert.Equal(irVersion, OnnxWriter.ToProto(m, null).IrVersion);
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("m.onnx");
        OnnxWriter.Write(m, path);
        Assert.Equal(irVersion, ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).IrVersion);
    }

    [Fact]
    public void OutOfOrderNodesAreSortedTopologically()
    {
        // File order: n2 (needs t1), n0 (x -> t0), n1 (t0 -> t1), n3 (x -> t3); output y = n2.
        var m = WithNodes(
            Node("Add", "n2", ["t1", "t3"], ["y"]),
            Node("Relu", "n0", ["x"], ["t0"]),
            Node("Neg", "n1", ["t0"], ["t1"]),
            Node("Abs", "n3", ["x"], ["t3"]));
        var names = Read(m).Graph.Nodes.Select(n => n.Name).ToArray();
        Assert.Equal(["n0", "n1", "n3", "n2"], names);
    }

    [Fact]
    public void NodesAlreadyInOrderKeepTheirOrder()
    {
        var m = WithNodes(Node("Abs", "b", ["x"], ["t1"]), Node("Relu", "a", ["x"], ["t0"]), Node("Add", "c", ["t0", "t1"], ["y"]));
        Assert.Equal(["b", "a", "c"], Read(m).Graph.Nodes.Select(n => n.Name));
        Assert.Equal(m, OnnxWriter.ToProto(Read(m), null));
    }
}
