using Microsoft.Win32.SafeHandles;

namespace Spp.Pruning.Data;

/// <summary>
/// CIFAR-10 and CIFAR-100 in their binary form: records of label byte(s) then 3x32x32 pixel bytes
/// (all red, all green, all blue). CIFAR-10 records have one label (3073 bytes); CIFAR-100 records
/// a coarse and a fine label (3074 bytes; the fine label, 100 classes, is used). A folder means its
/// training batches (<c>data_batch_*.bin</c> or <c>train.bin</c>); name <c>test_batch.bin</c> or
/// <c>test.bin</c> for the test set. Records are read from disk as they are needed.
/// </summary>
public sealed class CifarSource : DataSource
{
    private const int Pixels = 3 * 32 * 32;
    private readonly (SafeFileHandle Handle, string Path, int Count)[] _files;
    private readonly int _recordSize;
    private readonly int _labelOffset;

    private CifarSource(string path, Preprocessing pre, (SafeFileHandle, string, int)[] files, int kind)
        : base(path, pre, files.Sum(f => f.Item3), pre.ConformFixed(path, new SampleShape(3, 32, 32)), kind)
    {
        _files = files;
        _recordSize = kind == 10 ? Pixels + 1 : Pixels + 2;
        _labelOffset = kind == 10 ? 0 : 1;
    }

    public static bool IsCifarFolder(string dir) => TrainingFiles(dir).Length > 0;

    /// <summary>CIFAR-10 or -100 from a file's name, else from which record size divides its length.</summary>
    public static int? KindOf(string file, long length)
    {
        string name = System.IO.Path.GetFileName(file);
        if (name.StartsWith("data_batch", StringComparison.Ordinal) || name == "test_batch.bin") return 10;
        if (name is "train.bin" or "test.bin") return 100;
        bool ten = length > 0 && length % (Pixels + 1) == 0, hundred = length > 0 && length % (Pixels + 2) == 0;
        return ten == hundred ? null : ten ? 10 : 100;
    }

    public static CifarSource Open(string path, Preprocessing pre)
    {
        string[] files = Directory.Exists(path) ? TrainingFiles(path) : [path];
        if (files.Length == 0)
            throw new DataFormatException($"{path}: no CIFAR batches in this folder (data_batch_*.bin or train.bin)");
        var opened = new List<(SafeFileHandle, string, int)>();
        int? kind = null;
        try
        {
            foreach (var f in files)
            {
                var h = File.OpenHandle(f);
                opened.Add((h, f, 0));
                long length = RandomAccess.GetLength(h);
                int k = KindOf(f, length) ?? throw new DataFormatException($"{f}: not a CIFAR binary batch ({length} bytes is not a whole number of 3073- or 3074-byte records)");
                if (kind is not null && k != kind) throw new DataFormatException($"{f}: CIFAR-{k} batch among CIFAR-{kind} batches");
                kind = k;
                int record = k == 10 ? Pixels + 1 : Pixels + 2;
                if (length % record != 0 || length == 0) throw new DataFormatException($"{f}: {length} bytes is not a whole number of CIFAR-{k} records ({record} bytes)");
                opened[^1] = (h, f, (int)(length / record));
            }
            return new CifarSource(path, pre, opened.ToArray(), kind!.Value);
        }
        catch (Exception e)
        {
            foreach (var (h, _, _) in opened) h.Dispose();
            if (e is IOException or UnauthorizedAccessException) throw new DataFormatException($"{path}: cannot read: {DataFiles.Reason(e)}");
            throw;
        }
    }

    private static string[] TrainingFiles(string dir)
    {
        var batches = Directory.GetFiles(dir, "data_batch_*.bin").Order(StringComparer.Ordinal).ToArray();
        if (batches.Length > 0) return batches;
        string train = System.IO.Path.Combine(dir, "train.bin");
        return File.Exists(train) ? [train] : [];
    }

    protected override int ReadRaw(int index, Span<float> sample)
    {
        int f = 0;
        while (index >= _files[f].Count) index -= _files[f++].Count;
        Span<byte> record = stackalloc byte[_recordSize];
        int got = RandomAccess.Read(_files[f].Handle, record, (long)index * _recordSize);
        if (got != _recordSize) throw new DataFormatException($"{_files[f].Path}: record {index} is cut short (the file changed while reading)");
        int label = record[_labelOffset];
        if (label >= ClassCount) throw new DataFormatException($"{_files[f].Path}: record {index} has label {label}, CIFAR-{ClassCount} has {ClassCount} classes");
        var px = record[(_labelOffset + 1)..];
        for (int c = 0; c < 3; c++)
        {
            var src = px.Slice(Preprocessing.SourceChannel(c, 3) * 1024, 1024);
            var dst = sample.Slice(c * 1024, 1024);
            for (int i = 0; i < 1024; i++) dst[i] = src[i] / 255f;
        }
        return label;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var (h, _, _) in _files) h.Dispose();
    }
}
