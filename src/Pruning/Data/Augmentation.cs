namespace Spp.Pruning.Data;

/// <summary>
/// Training-time augmentation on preprocessed samples: random crop after padding by
/// <paramref name="Pad"/> pixels on each side (torchvision's <c>RandomCrop(size, padding=Pad, fill=Fill)</c>),
/// and a horizontal flip with probability 1/2. <paramref name="Fill"/> is a raw value (pixel/255
/// scale, before mean/std) so that padding looks like the background the model was trained on.
/// </summary>
public sealed record Augmentation(int Pad = 0, float Fill = 0f, bool HorizontalFlip = false)
{
    public bool IsIdentity => Pad == 0 && !HorizontalFlip;

    /// <summary>Augments one CHW sample in place, drawing from <paramref name="rng"/>.</summary>
    public void Apply(Span<float> sample, SampleShape shape, Preprocessing pre, Random rng, Span<float> scratch)
    {
        int h = shape.Height, w = shape.Width, plane = shape.PlaneSize;
        int dy = Pad > 0 ? rng.Next(2 * Pad + 1) - Pad : 0;
        int dx = Pad > 0 ? rng.Next(2 * Pad + 1) - Pad : 0;
        bool flip = HorizontalFlip && rng.Next(2) == 1;
        if (dy == 0 && dx == 0 && !flip) return;
        for (int c = 0; c < shape.Channels; c++)
        {
            var ch = sample.Slice(c * plane, plane);
            ch.CopyTo(scratch);
            float fill = pre.Normalize(Fill, c);
            for (int y = 0; y < h; y++)
            {
                int sy = y + dy;
                for (int x = 0; x < w; x++)
                {
                    // Crop first, then flip the crop: the order torchvision applies them in.
                    int sx = (flip ? w - 1 - x : x) + dx;
                    ch[y * w + x] = (uint)sy < (uint)h && (uint)sx < (uint)w ? scratch[sy * w + sx] : fill;
                }
            }
        }
    }
}
