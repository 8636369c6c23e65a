namespace Spp.Pruning.Engine;

/// <summary>A float tensor of the training graph: a value, a constant or a parameter, with static
/// shape (shapes are inferred at the training batch size) and, when it is on a path from a
/// parameter to the loss, a gradient buffer.</summary>
public sealed class TrainTensor(string name, int[] shape, IBuffer data)
{
    public string Name { get; } = name;
    public int[] Shape { get; } = shape;
    public long Count { get; } = shape.Aggregate(1L, (p, d) => p * d);
    /// <summary>The values the ops read. For a gated parameter this is the gated copy.</summary>
    public IBuffer Data { get; internal set; } = data;
    /// <summary>Gradient of the loss; null when not needed.</summary>
    public IBuffer? Grad { get; internal set; }
    public bool NeedsGrad => Grad is not null;
    /// <summary>True when the first kernel to reach this gradient in the backward pass writes it rather than
    /// adds to it (<see cref="GradWriter"/>): the graph then skips zeroing it before each backward pass, and
    /// that kernel saves the read of the old values; later readers add to it.</summary>
    public bool GradOverwritten => GradWriter is not null;
    /// <summary>The kernel, and its input, whose backward writes this gradient outright (see <see cref="OpKernel.WritesGrad"/>).</summary>
    public OpKernel? GradWriter { get; internal set; }
    public int GradWriterInput { get; internal set; }

    public override string ToString() => $"{Name}[{string.Join(",", Shape)}]";
}
