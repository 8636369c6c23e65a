using System.CommandLine;
using System.Globalization;
using Spp.Pruning.Data;

namespace Spp.Cli.Options;

/// <summary><c>--mean --std --size --channel-order</c>: the model's preprocessing, for every command
/// that reads data.</summary>
public sealed class DataFlags
{
    public Option<string?> Mean { get; } = new("--mean") { Description = "per-channel mean subtracted from pixel/255 (one value or one per channel, comma-separated)" };
    public Option<string?> Std { get; } = new("--std") { Description = "per-channel standard deviation divided by (one value or one per channel)" };
    public Option<string?> Size { get; } = new("--size") { Description = "input size HxW (image folders are resized to it; default: the model's)" };
    public Option<string> Order { get; } = new("--channel-order")
    {
        Description = "color channel order the model expects: rgb or bgr",
        DefaultValueFactory = _ => "rgb",
    };

    public DataFlags() => Order.AcceptOnlyFromAmong("rgb", "bgr");

    public void AddTo(Command command)
    {
        command.Add(Mean);
        command.Add(Std);
        command.Add(Size);
        command.Add(Order);
    }

    public PreprocessingFlags Parse(ParseResult r) => new(
        Floats("--mean", r.GetValue(Mean)), Floats("--std", r.GetValue(Std)), ParseSize(r.GetValue(Size)),
        r.GetValue(Order) == "bgr" ? ChannelOrder.Bgr : ChannelOrder.Rgb);

    public Preprocessing For(ModelInput input, ParseResult r) => Parse(r).For(input);

    public static IReadOnlyList<float>? Floats(string flag, string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new List<float>();
        foreach (var p in parts)
        {
            if (!float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                throw new UsageException($"{flag} {text}: expected numbers separated by commas, e.g. 0.485,0.456,0.406");
            values.Add(v);
        }
        return values;
    }

    public static (int Height, int Width)? ParseSize(string? text)
    {
        if (text is null) return null;
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0))
        {
            int h = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return (h, parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : h);
        }
        throw new UsageException($"--size {text}: expected HxW (e.g. 224x224) or one number for a square");
    }
}
