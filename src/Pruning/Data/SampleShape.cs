namespace Spp.Pruning.Data;

/// <summary>The shape of one sample as the model sees it: channels, height, width (NCHW without N).</summary>
public readonly record struct SampleShape(int Channels, int Height, int Width)
{
    public int PlaneSize => Height * Width;
    public int ElementCount => Channels * Height * Width;
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
