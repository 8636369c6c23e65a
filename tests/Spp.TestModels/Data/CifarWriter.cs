namespace Spp.TestModels.Data;

/// <summary>Writes CIFAR binary batches: per record the label byte(s), then 1024 red, 1024 green
/// and 1024 blue bytes (row-major 32x32), as the CIFAR distribution does.</summary>
public static class CifarWriter
{
    /// <param name="labels">one label per record; CIFAR-100 records get coarse label = fine / 5</param>
    public static void Write(string path, IReadOnlyList<int> labels, Func<int, int, int, byte> pixel, bool hundred)
    {
        using var f = File.Create(path);
        for (int n = 0; n < labels.Count; n++)
        {
            if (hundred) f.WriteByte((byte)(labels[n] / 5));
            f.WriteByte((byte)labels[n]);
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 1024; p++)
                    f.WriteByte(pixel(n, c, p));
        }
    }
}
