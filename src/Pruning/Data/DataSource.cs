namespace Spp.Pruning.Data;

/// <summary>
/// A data set of image samples with optional class labels. Samples are read on demand by index, so
/// large sets (image folders, CIFAR files) are decoded a batch at a time. ReadBatch is thread-safe:
/// the batch iterator calls it from a background thread while the previous batch is in use.
/// </summary>
public abstract class DataSource : IDisposable
{
    protected DataSource(string path, Preprocessing preprocessing, int count, SampleShape shape, int? classCount)
    {
        if (count == 0) throw new DataFormatException($"{path}: the data set is empty");
        preprocessing.CheckStatsFit(shape.Channels, path);
        (Path, Preprocessing, Count, Shape, ClassCount) = (path, preprocessing, count, shape, classCount);
    }

    /// <summary>The file or folder the data came from, as the user named it.</summary>
    public string Path { get; }
    public Preprocessing Preprocessing { get; }
    public int Count { get; }
    /// <summary>The shape of one preprocessed sample.</summary>
    public SampleShape Shape { get; }
    /// <summary>Number of classes (largest label + 1 unless the format says), or null for unlabeled data.</summary>
    public int? ClassCount { get; }
    public bool IsLabeled => ClassCount is not null;

    /// <summary>True where decoding a sample costs far more than copying it (compressed images):
    /// such batches are decoded on several threads.</summary>
    protected virtual bool DecodesSlowly => false;

    /// <summary>Writes sample <paramref name="index"/> as raw CHW values (before mean/std) and returns
    /// its label, or -1 when unlabeled.</summary>
    protected abstract int ReadRaw(int index, Span<float> sample);

    public Batch ReadBatch(IReadOnlyList<int> indices)
    {
        int size = Shape.ElementCount;
        var inputs = new float[indices.Count * size];
        var labels = new int[indices.Count];
        foreach (int i in indices)
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"sample index {i} is outside 0..{Count - 1}");

        void Read(int k)
        {
            var sample = inputs.AsSpan(k * size, size);
            labels[k] = ReadRaw(indices[k], sample);
            Preprocessing.Normalize(sample, Shape);
        }
        if (DecodesSlowly && indices.Count > 1)
        {
            try
            {
                Parallel.For(0, indices.Count, Read);
            }
            catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is DataFormatException d)
            {
                // The user needs the one line about the bad file, not the parallel wrapper.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(d);
            }
        }
        else
        {
            for (int k = 0; k < indices.Count; k++) Read(k);
        }
        return new Batch(inputs, labels, Shape);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Sources that read from open files close them here.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <summary>Class count from labels: largest + 1; labels must be non-negative.</summary>
    protected static int ClassCountOf(string path, ReadOnlySpan<int> labels)
    {
        int max = -1;
        foreach (int l in labels)
        {
            if (l < 0) throw new DataFormatException($"{path}: label {l} is negative");
            max = Math.Max(max, l);
        }
        return max + 1;
    }
}
