using Google.Protobuf;
using Spp.Frontend.Onnx;
using Spp.Graph;
using IrGraph = Spp.Graph.Graph;
using IrAttribute = Spp.Graph.Attribute;

namespace Spp.Frontend;

/// <summary>Reads an .onnx file (and its external data) into the IR. Every failure is a
/// <see cref="ModelLoadException"/> whose message names the file and the part at fault.</summary>
public static class OnnxReader
{
    public static Model Read(string path)
    {
        if (Directory.Exists(path)) throw new ModelLoadException($"{path}: is a directory, not an ONNX model file");
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: no such file");
        ModelProto proto;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            if (fs.Length == 0) throw new ModelLoadException($"{path}: file is empty, not an ONNX model");
            if (fs.Length > int.MaxValue)
                throw new ModelLoadException($"{path}: the protobuf file itself is over 2 GiB; ONNX models that large keep their weights as external data");
            proto = ModelProto.Parser.ParseFrom(fs);
        }
        catch (InvalidProtocolBufferException e)
        {
            bool truncated = e.Message.Contains("ended unexpectedly", StringComparison.OrdinalIgnoreCase) ||
                             e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase);
            throw new ModelLoadException(truncated
                ? $"{path}: the file is truncated (protobuf data ends in the middle of a field)"
                : $"{path}: not an ONNX model (not a valid protobuf ModelProto: {e.Message.TrimEnd('.')})");
        }
        catch (IOException e)
        {
            throw new ModelLoadException($"{path}: cannot read the file: {e.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: permission denied");
        }
        return FromProto(proto, path);
    }

    /// <summary>Converts a parsed ModelProto; <paramref name="path"/> locates external data and
    /// names the model in messages.</summary>
    public static Model FromProto(ModelProto proto, string path)
    {
        if (proto.Graph is null || proto.IrVersion <= 0)
            throw new ModelLoadException($"{path}: not an ONNX model (no graph or no IR version)");
        // IR version 3 introduced opset imports; a later model without any is invalid (ONNX Runtime
        // refuses it), and is what a file cut right after its graph field looks like.
        if (proto.IrVersion >= 3 && proto.OpsetImport.Count == 0)
            throw new ModelLoadException($"{path}: the model imports no opset (truncated file?)");
        var tensors = new TensorReader(path);
        var model = new Model
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
        };
        foreach (var o in proto.OpsetImport) model.Opsets.Add(new OpsetImport(o.Domain, o.Version));
        foreach (var m in proto.MetadataProps) model.Metadata.Add(new(m.Key, m.Value));

        var rest = proto.Clone();
        rest.IrVersion = 0;
        rest.OpsetImport.Clear();
        rest.ProducerName = "";
        rest.ProducerVersion = "";
        rest.MetadataProps.Clear();
        rest.Graph = null;
        model.Extras = Extras.OrNull(rest);

        model.Graph = ReadGraph(proto.Graph, tensors, path);
        model.UsesExternalData = tensors.SawExternalData;
        try
        {
            // Sparse initializers define values too; the IR carries them in the graph's extras.
            GraphOrder.Check(model.Graph, proto.Graph.SparseInitializer.Select(t => t.Values?.Name ?? "").ToHashSet());
        }
        catch (GraphException e)
        {
            throw new ModelLoadException($"{path}: {e.Message}");
        }
        return model;
    }

    private static IrGraph ReadGraph(GraphProto gp, TensorReader tensors, string path)
    {
        var g = new IrGraph { Name = gp.Name };
        foreach (var t in gp.Initializer)
        {
            var tensor = tensors.Read(t, "graph initializers");
            if (g.Initializers.ContainsKey(tensor.Name))
                throw new ModelLoadException($"{path}: initializer '{tensor.Name}' is defined twice");
            g.Initializers[tensor.Name] = tensor;
        }
        foreach (var v in gp.Input) g.Inputs.Add(ReadValueInfo(v, path));
        foreach (var v in gp.Output) g.Outputs.Add(ReadValueInfo(v, path));
        foreach (var v in gp.ValueInfo) g.ValueInfos[v.Name] = ReadValueInfo(v, path);
        foreach (var n in gp.Node) g.Nodes.Add(ReadNode(n, tensors, path));

        var rest = gp.Clone();
        rest.Node.Clear();
        rest.Name = "";
        rest.Initializer.Clear();
        rest.Input.Clear();
        rest.Output.Clear();
        rest.ValueInfo.Clear();
        g.Extras = Extras.OrNull(rest);
        return g;
    }

    internal static ValueInfo ReadValueInfo(ValueInfoProto v, string path)
    {
        var vi = new ValueInfo(v.Name, null);
        if (v.Type?.TensorType is { } tt)
        {
            if (tt.ElemType != 0 && !ElementTypes.IsKnown(tt.ElemType))
                throw new ModelLoadException($"{path}: value '{v.Name}' has unsupported element type {tt.ElemType}");
            Shape? shape = tt.Shape is null ? null : new Shape(tt.Shape.Dim.Select(ReadDim));
            vi.Type = new TensorType((ElementType)tt.ElemType, shape);
            // Dim denotations and type denotations are rare; keep the whole type when present.
            if (v.Type.Denotation.Length > 0 || (tt.Shape?.Dim.Any(d => d.Denotation.Length > 0) ?? false))
                vi.OpaqueType = v.Type.ToByteArray();
        }
        else if (v.Type is not null)
        {
            vi.OpaqueType = v.Type.ToByteArray();
        }
        var rest = v.Clone();
        rest.Name = "";
        rest.Type = null;
        vi.Extras = Extras.OrNull(rest);
        return vi;
    }

    private static Dim ReadDim(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Of(d.DimValue),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Sym(d.DimParam),
        _ => Dim.Unknown,
    };

    private static Node ReadNode(NodeProto n, TensorReader tensors, string path)
    {
        var attrs = n.Attribute.Select(a => ReadAttribute(a, n, tensors, path)).ToList();
        var node = new Node(n.OpType, n.Name, n.Input, n.Output, attrs, n.Domain);
        var rest = n.Clone();
        rest.Input.Clear();
        rest.Output.Clear();
        rest.Name = "";
        rest.OpType = "";
        rest.Domain = "";
        rest.Attribute.Clear();
        node.Extras = Extras.OrNull(rest);
        return node;
    }

    private static IrAttribute ReadAttribute(AttributeProto a, NodeProto n, TensorReader tensors, string path)
    {
        string owner = $"attribute '{a.Name}' of node '{(n.Name.Length > 0 ? n.Name : n.OpType)}'";
        var type = a.Type;
        // IR version 1 files have no type discriminator: infer it from the field that is set.
        if (type == AttributeProto.Types.AttributeType.Undefined)
            type = a.Ints.Count > 0 ? AttributeProto.Types.AttributeType.Ints
                : a.Floats.Count > 0 ? AttributeProto.Types.AttributeType.Floats
                : a.Strings.Count > 0 ? AttributeProto.Types.AttributeType.Strings
                : a.T is not null ? AttributeProto.Types.AttributeType.Tensor
                : a.G is not null ? AttributeProto.Types.AttributeType.Graph
                : a.S.Length > 0 ? AttributeProto.Types.AttributeType.String
                : a.F != 0 ? AttributeProto.Types.AttributeType.Float
                : AttributeProto.Types.AttributeType.Int;

        var rest = a.Clone();
        rest.Name = "";
        rest.Type = 0;
        rest.F = 0;
        rest.I = 0;
        rest.S = ByteString.Empty;
        rest.T = null;
        rest.Floats.Clear();
        rest.Ints.Clear();
        rest.Strings.Clear();
        rest.Tensors.Clear();
        byte[]? extras = Extras.OrNull(rest);
        // A reference to a function attribute carries no value of its own: keep it whole.
        if (a.RefAttrName.Length > 0) type = AttributeProto.Types.AttributeType.Graph;

        return type switch
        {
            AttributeProto.Types.AttributeType.Float => new IrAttribute(a.Name, AttributeKind.Float) { F = a.F, Extras = extras },
            AttributeProto.Types.AttributeType.Int => new IrAttribute(a.Name, AttributeKind.Int) { I = a.I, Extras = extras },
            AttributeProto.Types.AttributeType.String => new IrAttribute(a.Name, AttributeKind.String) { S = a.S.ToByteArray(), Extras = extras },
            AttributeProto.Types.AttributeType.Tensor => new IrAttribute(a.Name, AttributeKind.Tensor) { T = tensors.Read(a.T ?? new TensorProto(), owner), Extras = extras },
            AttributeProto.Types.AttributeType.Floats => new IrAttribute(a.Name, AttributeKind.Floats) { Floats = a.Floats.ToArray(), Extras = extras },
            AttributeProto.Types.AttributeType.Ints => new IrAttribute(a.Name, AttributeKind.Ints) { Ints = a.Ints.ToArray(), Extras = extras },
            AttributeProto.Types.AttributeType.Strings => new IrAttribute(a.Name, AttributeKind.Strings) { Strings = a.Strings.Select(s => s.ToByteArray()).ToArray(), Extras = extras },
            AttributeProto.Types.AttributeType.Tensors => new IrAttribute(a.Name, AttributeKind.Tensors) { Tensors = a.Tensors.Select(t => tensors.Read(t, owner)).ToArray(), Extras = extras },
            // Subgraphs, sparse tensors, type protos: carried whole, never interpreted.
            _ => new IrAttribute(a.Name, AttributeKind.Opaque) { Extras = a.ToByteArray() },
        };
    }
}
