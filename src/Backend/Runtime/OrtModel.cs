using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using Spp.Backend.Onnx;
using Spp.Graph;

namespace Spp.Backend.Runtime;

/// <summary>Session settings exposed to users: thread count and graph optimization level.</summary>
public sealed record OrtSettings(int IntraOpThreads = 0, GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
{
    public static readonly OrtSettings Default = new();
    /// <summary>No graph rewrites: used by exactness checks so ORT's fusions do not blur the comparison.</summary>
    public static readonly OrtSettings Reference = new(0, GraphOptimizationLevel.ORT_DISABLE_ALL);
}

/// <summary>An ONNX Runtime session over an IR model or a file, with IR tensors in and out.</summary>
public sealed class OrtModel : IDisposable
{
    private readonly InferenceSession _session;

    private OrtModel(InferenceSession session) => _session = session;

    public IReadOnlyList<string> InputNames => _session.InputNames;
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    public static OrtModel Load(Model model, OrtSettings? settings = null) =>
        new(new InferenceSession(OnnxWriter.ToBytes(model), Options(settings ?? OrtSettings.Default)));

    public static OrtModel Load(string path, OrtSettings? settings = null) =>
        new(new InferenceSession(path, Options(settings ?? OrtSettings.Default)));

    private static SessionOptions Options(OrtSettings s)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = s.Optimization,
            // ORT's own log lines (warnings about unused initializers and the like) are noise here.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (s.IntraOpThreads > 0) o.IntraOpNumThreads = s.IntraOpThreads;
        return o;
    }

    /// <summary>Runs the model on named inputs; returns every output, in the session's order.</summary>
    public List<Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, t) in inputs)
            {
                names.Add(name);
                values.Add(ToOrt(t));
            }
            using var outputs = _session.Run(new RunOptions(), names, values, _session.OutputNames);
            return outputs.Select((v, i) => FromOrt(_session.OutputNames[i], v)).ToList();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static OrtValue ToOrt(Tensor t)
    {
        var v = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)t.ElementType, t.Dims);
        t.RawData.CopyTo(v.GetTensorMutableRawData());
        return v;
    }

    private static Tensor FromOrt(string name, OrtValue v)
    {
        var info = v.GetTensorTypeAndShape();
        var type = (ElementType)(int)info.ElementDataType;
        return new Tensor(name, type, info.Shape, v.GetTensorMutableRawData().ToArray());
    }

    public void Dispose() => _session.Dispose();
}
