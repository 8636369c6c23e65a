using Microsoft.ML.OnnxRuntime;

namespace Spp.Backend.Runtime;

/// <summary>
/// ONNX Runtime's process-wide log goes straight to stderr from native code. Probing for CUDA on a
/// machine without it makes ORT print an error line of its own before we can say, in our words,
/// what happened; every failure it could log also reaches us as an exception. So its log is limited
/// to fatal errors, once, before the first session.
/// </summary>
public static class OrtLog
{
    private static readonly Lazy<bool> Quieted = new(() =>
    {
        OrtEnv.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        return true;
    });

    public static void Quiet() => _ = Quieted.Value;
}
