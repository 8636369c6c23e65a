using System.Runtime.InteropServices;
using Spp.Graph;

namespace Spp.Pruning.Data;

/// <summary>
/// NumPy data: an <c>.npz</c> with an input array (named input, inputs, x, images, data or X; or its
/// only image-shaped array) and optionally a label array (labels, label, y, targets or Y), or a bare
/// <c>.npy</c> of inputs (unlabeled). Inputs are [N,C,H,W], [N,H,W,C] (C of 1 or 3 last) or [N,H,W];
/// uint8 values are pixels (divided by 255), float values are taken as stored.
/// </summary>
public sealed class NpzSource : DataSource
{
    private static readonly string[] InputNames = ["input", "inputs", "x", "images", "data", "X"];
    private static readonly string[] LabelNames = ["labels", "label", "y", "targets", "Y"];

    private readonly Tensor _inputs;
    private readonly bool _channelsLast;
    private readonly int[]? _labels;

    private NpzSource(string path, Preprocessing pre, Tensor inputs, SampleShape shape, bool channelsLast, int[]? labels)
        : base(path, pre, (int)inputs.Dims[0], shape, labels is null ? null : ClassCountOf(path, labels))
    {
        (_inputs, _channelsLast, _labels) = (inputs, channelsLast, labels);
    }

    /// <summary>The array names used, for messages.</summary>
    public string InputArray => _inputs.Name;

    public static NpzSource Open(string path, Preprocessing pre)
    {
        Dictionary<string, Tensor> arrays;
        try
        {
            arrays = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
                ? new() { ["input"] = Npy.Read(File.ReadAllBytes(path), "input", path) }
                : Npy.ReadNpz(path);
        }
        catch (InvalidDataException e)
        {
            // Npy names the entry itself; a broken zip does not.
            throw new DataFormatException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: not a readable .npz archive ({e.Message.TrimEnd('.')})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read: {DataFiles.Reason(e)}");
        }

        var labelsTensor = LabelNames.Where(arrays.ContainsKey).Select(n => arrays[n]).FirstOrDefault();
        var input = InputNames.Where(arrays.ContainsKey).Select(n => arrays[n]).FirstOrDefault();
        if (input is null)
        {
            var candidates = arrays.Values.Where(t => t != labelsTensor && t.Dims.Length is 3 or 4).ToList();
            input = candidates.Count == 1 ? candidates[0]
                : throw new DataFormatException($"{path}: no input array; name it one of {string.Join(", ", InputNames)} (arrays here: {string.Join(", ", arrays.Keys)})");
        }
        if (input.ElementType is not (ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.UInt8))
            throw new DataFormatException($"{path}: input array '{input.Name}' is {input.ElementType}; expected float32, float64, float16 or uint8");

        var d = input.Dims;
        (SampleShape native, bool last) = d.Length switch
        {
            3 => (new SampleShape(1, (int)d[1], (int)d[2]), false),
            4 when d[3] is 1 or 3 && d[1] is not (1 or 3) => (new SampleShape((int)d[3], (int)d[1], (int)d[2]), true),
            4 => (new SampleShape((int)d[1], (int)d[2], (int)d[3]), false),
            _ => throw new DataFormatException($"{path}: input array '{input.Name}' has shape [{string.Join(",", d)}]; expected [N,C,H,W], [N,H,W,C] or [N,H,W]"),
        };
        var shape = pre.ConformFixed(path, native);

        int[]? labels = null;
        if (labelsTensor is not null)
        {
            if (labelsTensor.ElementType.IsFloatingPoint() || labelsTensor.ElementType == ElementType.Bool)
                throw new DataFormatException($"{path}: label array '{labelsTensor.Name}' is {labelsTensor.ElementType}; class labels must be integers");
            if (labelsTensor.Dims.Length != 1 || labelsTensor.Dims[0] != d[0])
                throw new DataFormatException($"{path}: label array '{labelsTensor.Name}' has shape [{string.Join(",", labelsTensor.Dims)}] for {d[0]} inputs; expected [{d[0]}]");
            labels = labelsTensor.ToInt64s().Select(v => v is < int.MinValue or > int.MaxValue ? -1 : (int)v).ToArray();
        }
        return new NpzSource(path, pre, input, shape, last, labels);
    }

    protected override int ReadRaw(int index, Span<float> sample)
    {
        int n = Shape.ElementCount;
        var raw = _inputs.RawData.AsSpan();
        switch (_inputs.ElementType)
        {
            case ElementType.Float: Place(MemoryMarshal.Cast<byte, float>(raw).Slice(index * n, n), sample, v => v); break;
            case ElementType.Double: Place(MemoryMarshal.Cast<byte, double>(raw).Slice(index * n, n), sample, v => (float)v); break;
            case ElementType.Float16: Place(MemoryMarshal.Cast<byte, Half>(raw).Slice(index * n, n), sample, v => (float)v); break;
            default: Place(raw.Slice(index * n, n), sample, v => v / 255f); break;
        }
        return _labels?[index] ?? -1;
    }

    /// <summary>Copies one sample into CHW order, converting each value.</summary>
    private void Place<T>(ReadOnlySpan<T> src, Span<float> dst, Func<T, float> convert)
    {
        int c = Shape.Channels, plane = Shape.PlaneSize;
        if (!_channelsLast)
        {
            for (int i = 0; i < src.Length; i++) dst[i] = convert(src[i]);
            return;
        }
        for (int p = 0; p < plane; p++)
            for (int k = 0; k < c; k++)
                dst[k * plane + p] = convert(src[p * c + k]);
    }
}
