namespace Spp.Pruning.Data;

/// <summary>
/// How raw samples become model inputs: <c>x = (v - mean[c]) / std[c]</c>, where v is pixel/255 for
/// 8-bit data (IDX, CIFAR, images, uint8 arrays) and the stored value for float arrays. Channels,
/// Height and Width are what the model takes; null where the model leaves them open, in which case
/// fixed-size data sets supply them and image folders need them from <c>--size</c>.
/// </summary>
public sealed record Preprocessing
{
    public int? Channels { get; }
    public int? Height { get; }
    public int? Width { get; }
    public IReadOnlyList<float> Mean { get; }
    public IReadOnlyList<float> Std { get; }
    public ChannelOrder Order { get; }

    public Preprocessing(int? channels = null, int? height = null, int? width = null,
        IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null, ChannelOrder order = ChannelOrder.Rgb)
    {
        Mean = mean is { Count: > 0 } ? mean : [0f];
        Std = std is { Count: > 0 } ? std : [1f];
        foreach (var s in Std)
            if (!(s > 0) || float.IsInfinity(s)) throw new DataFormatException($"--std {s}: every value must be a positive number");
        foreach (var m in Mean)
            if (!float.IsFinite(m)) throw new DataFormatException($"--mean {m}: every value must be a finite number");
        if (channels is < 1 || height is < 1 || width is < 1)
            throw new DataFormatException($"input size {channels}x{height}x{width}: every dimension must be positive");
        (Channels, Height, Width, Order) = (channels, height, width, order);
        if (channels is { } c) CheckStatsFit(c, "the model input");
    }

    /// <summary>Per-channel statistics must give one value or one per channel of the data.</summary>
    public void CheckStatsFit(int channels, string what)
    {
        if (Mean.Count != 1 && Mean.Count != channels)
            throw new DataFormatException($"--mean has {Mean.Count} values but {what} has {channels} channel(s); give 1 or {channels}");
        if (Std.Count != 1 && Std.Count != channels)
            throw new DataFormatException($"--std has {Std.Count} values but {what} has {channels} channel(s); give 1 or {channels}");
    }

    /// <summary>For data of a fixed native shape (IDX, CIFAR, arrays): the data must be exactly what
    /// the model takes; nothing is resized or recolored behind the user's back.</summary>
    public SampleShape ConformFixed(string path, SampleShape native)
    {
        if (Channels is { } c && c != native.Channels)
            throw new DataFormatException($"{path}: samples have {native.Channels} channel(s) ({Describe(native.Channels)}), the model input has {c}");
        if ((Height is { } h && h != native.Height) || (Width is { } w && w != native.Width))
            throw new DataFormatException($"{path}: samples are {native.Height}x{native.Width}, the model input is {Height?.ToString() ?? "?"}x{Width?.ToString() ?? "?"}");
        CheckStatsFit(native.Channels, path);
        return native;
    }

    private static string Describe(int channels) => channels switch { 1 => "grayscale", 3 => "color", _ => "not an image" };

    public float MeanOf(int channel) => Mean[Mean.Count == 1 ? 0 : channel];
    public float StdOf(int channel) => Std[Std.Count == 1 ? 0 : channel];

    /// <summary>The model-input value of a raw value v in channel c.</summary>
    public float Normalize(float v, int channel) => (v - MeanOf(channel)) / StdOf(channel);

    /// <summary>Normalizes one CHW sample in place.</summary>
    public void Normalize(Span<float> sample, SampleShape shape)
    {
        for (int c = 0; c < shape.Channels; c++)
        {
            float inv = 1f / StdOf(c), shift = MeanOf(c) * inv;
            foreach (ref float v in sample.Slice(c * shape.PlaneSize, shape.PlaneSize)) v = v * inv - shift;
        }
    }

    /// <summary>Index of the decoded RGB channel that goes to model channel c.</summary>
    public int SourceChannel(int c, int channels) => Order == ChannelOrder.Bgr && channels == 3 ? 2 - c : c;
}
