using Microsoft.ML.OnnxRuntime;

namespace Spp.Backend.Runtime;

/// <summary>Named ORT input values made once and reused across timed runs.</summary>
public sealed class PreparedInputs(string[] names, OrtValue[] values) : IDisposable
{
    public IReadOnlyList<string> Names { get; } = names;
    public IReadOnlyList<OrtValue> Values { get; } = values;

    public void Dispose()
    {
        foreach (var v in Values) v.Dispose();
    }
}
