namespace Spp.Backend.Runtime;

/// <summary>What the user asked for with <c>--device</c>.</summary>
public enum DeviceRequest { Auto, Cpu, Cuda }
