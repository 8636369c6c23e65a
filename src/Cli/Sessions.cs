using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Runtime;
using Spp.Graph;

namespace Spp.Cli;

/// <summary>ONNX Runtime sessions for the user's models: a model our reader accepts but ONNX Runtime
/// refuses (an op it lacks, a provider failure) is one line naming the file.</summary>
public static class Sessions
{
    public static OrtModel Open(string path, OrtSettings settings) => Guard(path, settings, () => OrtModel.Load(path, settings));

    public static OrtModel Open(Model model, string label, OrtSettings settings) => Guard(label, settings, () => OrtModel.Load(model, settings));

    private static OrtModel Guard(string label, OrtSettings settings, Func<OrtModel> load)
    {
        try
        {
            return load();
        }
        catch (OnnxRuntimeException e)
        {
            throw new UsageException($"{label}: ONNX Runtime cannot run this model on {settings.Provider?.Name ?? "CPU"}: {CliRunner.OneLine(e.Message)}");
        }
    }
}
