using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Runtime;

namespace Spp.Cli.Options;

/// <summary><c>--device</c>, <c>--threads</c> and <c>--ort-opt</c>: where and how ONNX Runtime runs.
/// Shared by every command that runs a model.</summary>
public sealed class RuntimeFlags
{
    private static readonly Dictionary<string, GraphOptimizationLevel> Levels = new()
    {
        ["none"] = GraphOptimizationLevel.ORT_DISABLE_ALL,
        ["basic"] = GraphOptimizationLevel.ORT_ENABLE_BASIC,
        ["extended"] = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        ["all"] = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "where ONNX Runtime runs: auto (CUDA when a GPU and its libraries are present, else CPU), cpu, cuda",
        DefaultValueFactory = _ => "auto",
    };

    public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads (0: one per physical core)" };

    public Option<string> Optimization { get; } = new("--ort-opt")
    {
        Description = "ONNX Runtime graph optimization level: none, basic, extended, all",
        DefaultValueFactory = _ => "all",
    };

    public RuntimeFlags()
    {
        Device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        Optimization.AcceptOnlyFromAmong([.. Levels.Keys]);
    }

    public void AddTo(Command command)
    {
        command.Add(Device);
        command.Add(Threads);
        command.Add(Optimization);
    }

    public static DeviceRequest ParseDevice(string? value) => value switch
    {
        "cpu" => DeviceRequest.Cpu,
        "cuda" => DeviceRequest.Cuda,
        _ => DeviceRequest.Auto,
    };

    /// <summary>The checked choice; the provider itself is resolved when a command needs it.</summary>
    public RuntimeChoice Parse(ParseResult r)
    {
        int threads = r.GetValue(Threads);
        if (threads < 0) throw new UsageException($"--threads {threads}: must be >= 0");
        return new RuntimeChoice(ParseDevice(r.GetValue(Device)), threads, Levels[r.GetValue(Optimization) ?? "all"]);
    }

    public OrtSettings Resolve(ParseResult r) => Parse(r).Resolve();
}
