using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using Spp.Backend.Onnx;
using Spp.Graph;

namespace Spp.Backend.Runtime;

/// <summary>Session settings exposed to users: thread count (0 = ORT's default, one per physical
/// core), graph optimization level, and the execution provider (null = CPU).</summary>
public sealed record OrtSettings(int IntraOpThreads = 0, GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL,
    ExecutionProvider? Provider = null)
{
    /// <summary>Whether ORT's worker threads spin after a run waiting for the next (its default).
    /// Many sessions timed in turn must not: one session's spinning threads would take the cores
    /// from the next session's run.</summary>
    public bool Spinning { get; init; } = true;

    public static readonly OrtSettings Default = new();
    /// <summary>No graph rewrites: used by exactness checks so ORT's fusions do not blur the comparison.</summary>
    public static readonly OrtSettings Reference = new(0, GraphOptimizationLevel.ORT_DISABLE_ALL);
}

/// <summary>An ONNX Runtime session over an IR model or a file, with IR tensors in and out.</summary>
public sealed class OrtModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    static OrtModel() => OrtLog.Quiet();

    private OrtModel(InferenceSession session, ExecutionProvider provider) => (_session, Provider) = (session, provider);

    /// <summary>Where this session runs.</summary>
    public ExecutionProvider Provider { get; }

    public IReadOnlyList<string> InputNames => _session.InputNames;
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    public static OrtModel Load(Model model, OrtSettings? settings = null)
    {
        settings ??= OrtSettings.Default;
        using var options = Options(settings);
        return new(new InferenceSession(OnnxWriter.ToBytes(model), options), settings.Provider ?? ExecutionProvider.Cpu);
    }

    public static OrtModel Load(string path, OrtSettings? settings = null)
    {
        settings ??= OrtSettings.Default;
        using var options = Options(settings);
        return new(new InferenceSession(path, options), settings.Provider ?? ExecutionProvider.Cpu);
    }

    private static SessionOptions Options(OrtSettings s)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = s.Optimization,
            // ORT's own log lines (warnings about unused initializers and the like) are noise here.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (s.IntraOpThreads > 0) o.IntraOpNumThreads = s.IntraOpThreads;
        if (!s.Spinning) o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (s.Provider is { IsCuda: true } p) o.AppendExecutionProvider_CUDA(p.DeviceId);
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
            using var outputs = _session.Run(_runOptions, names, values, _session.OutputNames);
            return outputs.Select((v, i) => FromOrt(_session.OutputNames[i], v)).ToList();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Runs a single-input model on a float batch without copying it, returning the first
    /// output as floats with its dims. Used where many batches go through (accuracy).</summary>
    public (float[] Values, long[] Dims) RunFloats(float[] input, long[] dims)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, dims);
        using var outputs = _session.Run(_runOptions, [_session.InputNames[0]], [value], [_session.OutputNames[0]]);
        var info = outputs[0].GetTensorTypeAndShape();
        if (info.ElementDataType != TensorElementType.Float)
            throw new GraphException($"output '{_session.OutputNames[0]}' is {info.ElementDataType}, not float");
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
    }

    /// <summary>Inputs turned into ORT values once, for timing runs without conversion costs.</summary>
    public PreparedInputs Prepare(IReadOnlyDictionary<string, Tensor> inputs) =>
        new(inputs.Keys.ToArray(), inputs.Values.Select(ToOrt).ToArray());

    /// <summary>One run on prepared inputs; outputs are produced and released (timing only).</summary>
    public void Run(PreparedInputs inputs)
    {
        using var outputs = _session.Run(_runOptions, inputs.Names, inputs.Values, _session.OutputNames);
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

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
