using Spp.Pruning.Data;

namespace Spp.Cli.Options;

/// <summary>The parsed <c>--mean --std --size --channel-order</c>; they become a
/// <see cref="Preprocessing"/> once the model's input is known.</summary>
public sealed record PreprocessingFlags(IReadOnlyList<float>? Mean, IReadOnlyList<float>? Std, (int Height, int Width)? Size, ChannelOrder Order)
{
    public static readonly PreprocessingFlags None = new(null, null, null, ChannelOrder.Rgb);

    public Preprocessing For(ModelInput input) => input.Preprocessing(Mean, Std, Size, Order);
}
