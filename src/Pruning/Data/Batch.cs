namespace Spp.Pruning.Data;

/// <summary>Samples in NCHW order, preprocessed (model-ready), with their labels; a label is -1
/// when the source has none.</summary>
public sealed record Batch(float[] Inputs, int[] Labels, SampleShape Shape)
{
    public int Count => Labels.Length;
    public long[] Dims => [Count, Shape.Channels, Shape.Height, Shape.Width];
    public Span<float> Sample(int i) => Inputs.AsSpan(i * Shape.ElementCount, Shape.ElementCount);
}
