using Google.Protobuf;
using Spp.Frontend.Onnx;
using Spp.Graph;
using IrGraph = Spp.Graph.Graph;

namespace Spp.Backend.Onnx;

/// <summary>Writes the IR back to ONNX. Content the IR does not model is merged back from each
/// object's Extras, so a model read and written unchanged keeps everything it had.</summary>
public static class OnnxWriter
{
    /// <summary>Protobuf messages cannot exceed 2 GiB (and Google.Protobuf's size computation
    /// overflows before that); past this many bytes of tensor data, weights go to external data.</summary>
    public const long ExternalDataThreshold = 1_800_000_000;

    /// <summary>Initializers smaller than this stay inline when writing external data (onnx's own
    /// default size threshold).</summary>
    public const int ExternalTensorMinBytes = 1024;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically: everything goes
    /// to temporary files in the same folder, renamed into place only when complete. Weights go to
    /// "<c>file name</c>.data" beside it when the input used external data or the model is too big
    /// for one protobuf message.</summary>
    public static void Write(Model model, string path, bool? externalData = null)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        bool external = externalData ?? (model.UsesExternalData || TensorBytes(model.Graph) > ExternalDataThreshold);
        string dataName = Path.GetFileName(full) + ".data";
        string dataPath = Path.Combine(dir, dataName);
        string tmpModel = full + $".tmp{Environment.ProcessId}";
        string tmpData = dataPath + $".tmp{Environment.ProcessId}";
        try
        {
            ModelProto proto;
            if (external)
            {
                using var data = new FileStream(tmpData, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                proto = ToProto(model, new ExternalSink(data, dataName));
                data.Flush(flushToDisk: true);
            }
            else
            {
                proto = ToProto(model, null);
            }
            using (var fs = new FileStream(tmpModel, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                proto.WriteTo(fs);
                fs.Flush(flushToDisk: true);
            }
            if (external) File.Move(tmpData, dataPath, overwrite: true);
            File.Move(tmpModel, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmpModel)) File.Delete(tmpModel);
            if (File.Exists(tmpData)) File.Delete(tmpData);
        }
    }

    /// <summary>The whole model as one protobuf message in memory (for ONNX Runtime sessions).</summary>
    public static byte[] ToBytes(Model model)
    {
        if (TensorBytes(model.Graph) > ExternalDataThreshold)
            throw new InvalidOperationException("model is too large for one in-memory protobuf message; write it to a file with external data");
        return ToProto(model, null).ToByteArray();
    }

    public static long TensorBytes(IrGraph g) => g.Initializers.Values.Sum(t => t.ByteSize) +
        g.Nodes.SelectMany(n => n.Attributes).Where(a => a.T is not null).Sum(a => a.T!.ByteSize);

    public static ModelProto ToProto(Model model, ExternalSink? sink)
    {
        var p = model.Extras is null ? new ModelProto() : ModelProto.Parser.ParseFrom(model.Extras);
        p.IrVersion = model.IrVersion;
        p.ProducerName = model.ProducerName;
        p.ProducerVersion = model.ProducerVersion;
        foreach (var o in model.Opsets) p.OpsetImport.Add(new OperatorSetIdProto { Domain = o.Domain, Version = o.Version });
        foreach (var (k, v) in model.Metadata) p.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        p.Graph = ToProto(model.Graph, sink);
        return p;
    }

    private static GraphProto ToProto(IrGraph g, ExternalSink? sink)
    {
        var p = g.Extras is null ? new GraphProto() : GraphProto.Parser.ParseFrom(g.Extras);
        p.Name = g.Name;
        foreach (var t in g.Initializers.Values) p.Initializer.Add(ToProto(t, sink));
        foreach (var v in g.Inputs) p.Input.Add(ToProto(v));
        foreach (var v in g.Outputs) p.Output.Add(ToProto(v));
        foreach (var v in g.ValueInfos.Values) p.ValueInfo.Add(ToProto(v));
        foreach (var n in g.Nodes) p.Node.Add(ToProto(n));
        return p;
    }

    public static TensorProto ToProto(Tensor t, ExternalSink? sink = null)
    {
        var p = t.Extras is null ? new TensorProto() : TensorProto.Parser.ParseFrom(t.Extras);
        p.Name = t.Name;
        p.DataType = (int)t.ElementType;
        p.Dims.Add(t.Dims);
        if (t.ElementType == ElementType.String)
            p.StringData.Add(t.StringData!.Select(ByteString.CopyFrom));
        else if (sink is not null && t.RawData.Length >= ExternalTensorMinBytes)
            sink.Append(p, t.RawData);
        else
            p.RawData = UnsafeByteOperations.UnsafeWrap(t.RawData);
        return p;
    }

    private static ValueInfoProto ToProto(ValueInfo v)
    {
        var p = v.Extras is null ? new ValueInfoProto() : ValueInfoProto.Parser.ParseFrom(v.Extras);
        p.Name = v.Name;
        if (v.OpaqueType is not null && v.Type is null)
        {
            p.Type = TypeProto.Parser.ParseFrom(v.OpaqueType);
        }
        else if (v.Type is not null)
        {
            // Keep denotations of the source type when its shape is unchanged.
            var type = v.OpaqueType is not null ? TypeProto.Parser.ParseFrom(v.OpaqueType) : new TypeProto();
            var tt = new TypeProto.Types.Tensor { ElemType = (int)v.Type.ElementType };
            if (v.Type.Shape is { } s)
            {
                var old = type.TensorType?.Shape;
                tt.Shape = new TensorShapeProto();
                for (int i = 0; i < s.Rank; i++)
                {
                    var d = new TensorShapeProto.Types.Dimension();
                    if (s[i].Value is long val) d.DimValue = val;
                    else if (s[i].Symbol is { } sym) d.DimParam = sym;
                    if (old is not null && old.Dim.Count == s.Rank) d.Denotation = old.Dim[i].Denotation;
                    tt.Shape.Dim.Add(d);
                }
            }
            type.TensorType = tt;
            p.Type = type;
        }
        return p;
    }

    private static NodeProto ToProto(Node n)
    {
        var p = n.Extras is null ? new NodeProto() : NodeProto.Parser.ParseFrom(n.Extras);
        p.OpType = n.OpType;
        p.Name = n.Name;
        p.Domain = n.Domain;
        p.Input.Add(n.Inputs);
        p.Output.Add(n.Outputs);
        foreach (var a in n.Attributes) p.Attribute.Add(ToProto(a));
        return p;
    }

    private static AttributeProto ToProto(Spp.Graph.Attribute a)
    {
        if (a.Kind == AttributeKind.Opaque) return AttributeProto.Parser.ParseFrom(a.Extras);
        var p = a.Extras is null ? new AttributeProto() : AttributeProto.Parser.ParseFrom(a.Extras);
        p.Name = a.Name;
        switch (a.Kind)
        {
            case AttributeKind.Float: p.Type = AttributeProto.Types.AttributeType.Float; p.F = a.F; break;
            case AttributeKind.Int: p.Type = AttributeProto.Types.AttributeType.Int; p.I = a.I; break;
            case AttributeKind.String: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFrom(a.S); break;
            case AttributeKind.Tensor: p.Type = AttributeProto.Types.AttributeType.Tensor; p.T = ToProto(a.T!); break;
            case AttributeKind.Floats: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.Add(a.Floats); break;
            case AttributeKind.Ints: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.Add(a.Ints); break;
            case AttributeKind.Strings: p.Type = AttributeProto.Types.AttributeType.Strings; p.Strings.Add(a.Strings.Select(ByteString.CopyFrom)); break;
            case AttributeKind.Tensors: p.Type = AttributeProto.Types.AttributeType.Tensors; p.Tensors.Add(a.Tensors.Select(t => ToProto(t))); break;
        }
        return p;
    }
}

/// <summary>Appends tensor data to an external data file, 64-byte aligned as onnx does, and records
/// location/offset/length in the tensor's proto.</summary>
public sealed class ExternalSink(Stream stream, string location)
{
    public void Append(TensorProto p, byte[] data)
    {
        long pad = (64 - stream.Position % 64) % 64;
        if (pad > 0) stream.Write(new byte[pad]);
        long offset = stream.Position;
        stream.Write(data);
        p.DataLocation = TensorProto.Types.DataLocation.External;
        p.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        p.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        p.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = data.LongLength.ToString() });
    }
}
