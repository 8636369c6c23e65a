namespace Spp.Backend.Runtime;

/// <summary>The ONNX Runtime execution provider sessions run on, and why it was chosen (shown to the
/// user in one line).</summary>
public sealed record ExecutionProvider(string Name, int DeviceId, string Reason)
{
    public static readonly ExecutionProvider Cpu = new("CPU", 0, "default");

    public bool IsCuda => Name == "CUDA";

    public override string ToString() => $"{Name}{(IsCuda ? $" (GPU {DeviceId})" : "")}: {Reason}";
}
