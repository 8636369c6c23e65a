using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Runtime;

namespace Spp.Backend.Profiling;

/// <summary>What measured latencies belong to: the processor (or GPU), its core count and the ONNX
/// Runtime version. Costs measured on one machine say nothing about another: the latency cache
/// keeps one file per identity.</summary>
public static class MachineIdentity
{
    public static string Describe(ExecutionProvider provider)
    {
        string cpu = FirstValue("/proc/cpuinfo", "model name") ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        string text = $"{cpu}; {Environment.ProcessorCount} cores; onnxruntime {OrtEnv.Instance().GetVersionString()}; {provider.Name}";
        if (provider.IsCuda) text += $" {provider.DeviceId}: {GpuModel(provider.DeviceId) ?? "unknown GPU"}";
        return text;
    }

    private static string? GpuModel(int device)
    {
        const string root = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(root)) return null;
        var dirs = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        return device < dirs.Count ? FirstValue(Path.Combine(dirs[device], "information"), "Model") : null;
    }

    /// <summary>The value of the first "key : value" line with that key.</summary>
    private static string? FirstValue(string file, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == key) return line[(colon + 1)..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
