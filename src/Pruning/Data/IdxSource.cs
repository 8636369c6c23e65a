using System.Buffers.Binary;

namespace Spp.Pruning.Data;

/// <summary>
/// IDX files of the MNIST family (MNIST, Fashion-MNIST, KMNIST, EMNIST): an unsigned-byte image file
/// [N, H, W], gzip or not, and its labels file beside it, found by the standard naming
/// (<c>x-images-idx3-ubyte[.gz]</c> to <c>x-labels-idx1-ubyte[.gz]</c>, or the dotted
/// <c>x-images.idx3-ubyte</c> form). Without a labels file the set is unlabeled. The pixels stay as
/// bytes in memory and become floats a batch at a time.
/// </summary>
public sealed class IdxSource : DataSource
{
    private const int UByteImages = 0x00000803, UByteLabels = 0x00000801;
    private readonly byte[] _pixels;
    private readonly int _offset;
    private readonly int[]? _labels;

    private IdxSource(string path, Preprocessing pre, byte[] pixels, int offset, int count, SampleShape shape, int[]? labels, string? labelsPath)
        : base(path, pre, count, shape, labels is null ? null : ClassCountOf(labelsPath!, labels))
    {
        (_pixels, _offset, _labels, LabelsPath) = (pixels, offset, labels, labelsPath);
    }

    /// <summary>The labels file that was found beside the images, if any.</summary>
    public string? LabelsPath { get; }

    public static IdxSource Open(string path, Preprocessing pre)
    {
        var bytes = DataFiles.ReadMaybeGzip(path);
        var dims = Header(path, bytes, out int magic);
        if (magic == UByteLabels)
            throw new DataFormatException($"{path}: this is an IDX labels file; give the images file (…-images-idx3-ubyte) and its labels are found beside it");
        if (magic != UByteImages)
            throw new DataFormatException($"{path}: IDX type 0x{magic:x8} is not supported; images must be unsigned bytes [N, H, W] (0x00000803)");
        int n = dims[0], h = dims[1], w = dims[2];
        int offset = 4 + 4 * dims.Length;
        if ((long)bytes.Length - offset < (long)n * h * w)
            throw new DataFormatException($"{path}: truncated: header says {n} images of {h}x{w}, the file holds {bytes.Length - offset} pixel bytes");
        var shape = pre.ConformFixed(path, new SampleShape(1, h, w));

        string? labelsPath = LabelsBeside(path);
        int[]? labels = null;
        if (labelsPath is not null)
        {
            var lb = DataFiles.ReadMaybeGzip(labelsPath);
            var ld = Header(labelsPath, lb, out int lmagic);
            if (lmagic != UByteLabels) throw new DataFormatException($"{labelsPath}: not an IDX labels file (type 0x{lmagic:x8}, expected 0x00000801)");
            if (ld[0] != n) throw new DataFormatException($"{labelsPath}: {ld[0]} labels for {n} images in {path}");
            if (lb.Length - 8 < n) throw new DataFormatException($"{labelsPath}: truncated: {lb.Length - 8} of {n} labels");
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = lb[8 + i];
        }
        return new IdxSource(path, pre, bytes, offset, n, shape, labels, labelsPath);
    }

    /// <summary>The labels file for an images file, by the naming the MNIST family uses.</summary>
    public static string? LabelsBeside(string imagesPath)
    {
        string dir = System.IO.Path.GetDirectoryName(imagesPath) ?? "";
        string name = System.IO.Path.GetFileName(imagesPath);
        foreach (var (img, lab) in new[] { ("-images-idx3-ubyte", "-labels-idx1-ubyte"), ("-images.idx3-ubyte", "-labels.idx1-ubyte") })
        {
            int at = name.IndexOf(img, StringComparison.Ordinal);
            if (at < 0) continue;
            string stem = name[..at] + lab;
            foreach (var candidate in new[] { stem + name[(at + img.Length)..], stem + ".gz", stem })
            {
                string p = System.IO.Path.Combine(dir, candidate);
                if (File.Exists(p)) return p;
            }
        }
        return null;
    }

    private static int[] Header(string path, byte[] bytes, out int magic)
    {
        if (bytes.Length < 8 || bytes[0] != 0 || bytes[1] != 0) throw new DataFormatException($"{path}: not an IDX file (bad magic number)");
        magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        int rank = bytes[3];
        int expected = magic == UByteImages ? 3 : magic == UByteLabels ? 1 : rank;
        if (rank != expected || bytes.Length < 4 + 4 * rank) throw new DataFormatException($"{path}: not an IDX file (header of rank {rank})");
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) throw new DataFormatException($"{path}: IDX dimension {i} is {dims[i]}");
        }
        return dims;
    }

    protected override int ReadRaw(int index, Span<float> sample)
    {
        var px = _pixels.AsSpan(_offset + index * Shape.ElementCount, Shape.ElementCount);
        // Division, not a multiply by 1/255: the same float as torchvision's ToTensor gives.
        for (int i = 0; i < px.Length; i++) sample[i] = px[i] / 255f;
        return _labels?[index] ?? -1;
    }
}
