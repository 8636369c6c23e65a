namespace Spp.Pruning.Engine;

/// <summary>A trainable initializer: master weights, gradient, optimizer velocity, and the channel
/// masks that gate it in the forward pass and freeze it in the optimizer.</summary>
public sealed class Parameter(string name, TrainTensor tensor, IBuffer master, IBuffer velocity)
{
    public string Name { get; } = name;
    /// <summary>What the ops see: <see cref="Master"/>, or its gated copy while gates are set.</summary>
    public TrainTensor Tensor { get; } = tensor;
    public IBuffer Master { get; } = master;
    public IBuffer Velocity { get; } = velocity;
    /// <summary>Masks multiplied into the weights before the forward pass (channel gates at terminal
    /// consumers, spp-spec.md 3.3).</summary>
    public List<AxisMask> Gates { get; } = [];
    /// <summary>Masks whose zeros freeze elements in the optimizer (spp-spec.md 3.4).</summary>
    public List<AxisMask> Freeze { get; } = [];
    /// <summary>Whether weight decay applies (weights, not biases or normalisation parameters).</summary>
    public bool Decay { get; init; } = true;
}
