using SkiaSharp;

namespace Spp.Pruning.Data;

/// <summary>
/// A folder of images, one subfolder per class (classes numbered in ordinal name order, as
/// torchvision's ImageFolder does), or images directly in the folder (unlabeled). JPEG, PNG, BMP,
/// GIF and WebP are decoded with SkiaSharp when a batch needs them and resized to the model's
/// input (bilinear with mipmaps, so downscaling does not alias; the aspect ratio is not kept).
/// A one-channel model gets the ITU-R 601 luma that PIL's <c>convert("L")</c> computes.
/// </summary>
public sealed class ImageFolderSource : DataSource
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp" };
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    private readonly (string File, int Label)[] _items;

    private ImageFolderSource(string path, Preprocessing pre, (string, int)[] items, SampleShape shape, IReadOnlyList<string>? classes)
        : base(path, pre, items.Length, shape, classes?.Count)
    {
        (_items, Classes) = (items, classes ?? []);
    }

    /// <summary>Class names in label order (empty when unlabeled).</summary>
    public IReadOnlyList<string> Classes { get; }

    protected override bool DecodesSlowly => true;

    public static bool IsImageFile(string file) => Extensions.Contains(System.IO.Path.GetExtension(file));

    public static ImageFolderSource Open(string path, Preprocessing pre)
    {
        int channels = pre.Channels ?? 3;
        if (channels is not (1 or 3))
            throw new DataFormatException($"{path}: the model input has {channels} channels; images give 1 (grayscale) or 3 (color)");
        if (pre.Height is not { } h || pre.Width is not { } w)
            throw new DataFormatException($"{path}: the model does not fix its input size; give --size HxW for image folders");

        try
        {
            var classDirs = Directory.GetDirectories(path).Order(StringComparer.Ordinal).ToArray();
            List<(string, int)> items;
            List<string>? classes = null;
            if (classDirs.Length > 0)
            {
                classes = [];
                items = [];
                foreach (var dir in classDirs)
                {
                    var files = Images(dir, SearchOption.AllDirectories);
                    if (files.Length == 0) continue;
                    items.AddRange(files.Select(f => (f, classes.Count)));
                    classes.Add(System.IO.Path.GetFileName(dir));
                }
            }
            else
            {
                items = Images(path, SearchOption.TopDirectoryOnly).Select(f => (f, -1)).ToList();
            }
            if (items.Count == 0)
                throw new DataFormatException($"{path}: no images (.jpg, .png, .bmp, .gif, .webp) in this folder or its class subfolders");
            return new ImageFolderSource(path, pre, items.ToArray(), new SampleShape(channels, h, w), classes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot list the folder: {DataFiles.Reason(e)}");
        }
    }

    private static string[] Images(string dir, SearchOption option) =>
        Directory.EnumerateFiles(dir, "*", option).Where(IsImageFile).Order(StringComparer.Ordinal).ToArray();

    protected override int ReadRaw(int index, Span<float> sample)
    {
        var (file, label) = _items[index];
        using var bitmap = Decode(file);
        var px = bitmap.GetPixelSpan();
        int plane = Shape.PlaneSize;
        if (Shape.Channels == 1)
        {
            for (int p = 0; p < plane; p++)
            {
                // Pillow's fixed-point ITU-R 601 luma (Convert.c, L24), so a gray model sees what it was trained on.
                int luma = (px[4 * p] * 19595 + px[4 * p + 1] * 38470 + px[4 * p + 2] * 7471 + 0x8000) >> 16;
                sample[p] = luma / 255f;
            }
        }
        else
        {
            for (int c = 0; c < 3; c++)
            {
                int src = Preprocessing.SourceChannel(c, 3);
                var dst = sample.Slice(c * plane, plane);
                for (int p = 0; p < plane; p++) dst[p] = px[4 * p + src] / 255f;
            }
        }
        return label;
    }

    /// <summary>The image as RGBA bytes at the model's size.</summary>
    private SKBitmap Decode(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{file}: cannot read: {DataFiles.Reason(e)}");
        }
        using var codec = SKCodec.Create(new SKMemoryStream(bytes))
            ?? throw new DataFormatException($"{file}: not a decodable image");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var full = SKBitmap.Decode(codec, info) ?? throw new DataFormatException($"{file}: the image data is broken");
        if (full.Width == Shape.Width && full.Height == Shape.Height) return full;
        using (full)
        {
            return full.Resize(info.WithSize(Shape.Width, Shape.Height), Sampling)
                ?? throw new DataFormatException($"{file}: cannot resize {full.Width}x{full.Height} to {Shape.Width}x{Shape.Height}");
        }
    }
}
