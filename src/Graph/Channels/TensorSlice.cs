namespace Spp.Graph.Channels;

/// <summary>What a slice of a constant tensor is to its channel.</summary>
public enum SliceRole
{
    /// <summary>Weights that create the channel (output rows of a Conv/Gemm weight).</summary>
    Producer,
    /// <summary>Weights that read the channel and mix it with others (input columns of a Conv with
    /// group 1, Gemm/MatMul columns): zeroing these is what "removing" a channel means in the masked
    /// original, and where training gates a channel.</summary>
    Consumer,
    /// <summary>Per-channel parameters (biases, BN statistics, PRelu slopes, constant operands).</summary>
    Parameter,
}

/// <summary>Indices [Start, Start+Length) of axis <see cref="Axis"/> of constant <see cref="Tensor"/>
/// (an initializer or a Constant node's output) belong to one channel slot.</summary>
public sealed record TensorSlice(string Tensor, int Axis, long Start, long Length, SliceRole Role, Node Node);
