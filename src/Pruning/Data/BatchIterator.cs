namespace Spp.Pruning.Data;

/// <summary>
/// Batches of a data source for one epoch at a time, in order or shuffled by a seeded
/// <see cref="Shuffler"/>, optionally augmented. While the caller works on batch k, batch k+1 is read
/// and augmented on a background thread. Everything random depends only on (seed, epoch, batch), so
/// an epoch is the same however fast it is consumed.
/// </summary>
public sealed class BatchIterator
{
    private readonly DataSource _source;
    private readonly Shuffler? _shuffler;
    private readonly Augmentation? _augmentation;
    private readonly int _seed;

    public BatchIterator(DataSource source, int batchSize, int? shuffleSeed = null, Augmentation? augmentation = null, bool dropLast = false)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size {batchSize} must be >= 1");
        _source = source;
        BatchSize = batchSize;
        _shuffler = shuffleSeed is { } s ? new Shuffler(source.Count, s) : null;
        _augmentation = augmentation is { IsIdentity: false } ? augmentation : null;
        _seed = shuffleSeed ?? 0;
        DropLast = dropLast;
    }

    public int BatchSize { get; }
    public bool DropLast { get; }

    public int BatchesPerEpoch => DropLast ? _source.Count / BatchSize : (_source.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of one epoch, from batch <paramref name="firstBatch"/> on (a resumed run
    /// skips the ones it has trained on without reading them; what is random about a batch depends on
    /// its index, not on the batches before it). Leaving the loop early waits for the batch being
    /// prefetched, so no background read outlives the enumeration.</summary>
    public IEnumerable<Batch> Epoch(int epoch = 0, CancellationToken cancel = default, int firstBatch = 0)
    {
        int[] order = _shuffler?.Order(epoch) ?? Enumerable.Range(0, _source.Count).ToArray();
        int batches = BatchesPerEpoch;
        if (firstBatch >= batches) yield break;
        Task<Batch>? next = Task.Run(() => Load(order, epoch, firstBatch), cancel);
        try
        {
            for (int b = firstBatch; b < batches; b++)
            {
                var current = next!.GetAwaiter().GetResult();
                cancel.ThrowIfCancellationRequested();
                int following = b + 1;
                next = following < batches ? Task.Run(() => Load(order, epoch, following), cancel) : null;
                yield return current;
            }
        }
        finally
        {
            if (next is not null)
            {
                // Observe the prefetch's outcome; its failure (if any) belongs to a batch nobody asked for.
                try { next.Wait(CancellationToken.None); } catch (AggregateException) { }
            }
        }
    }

    private Batch Load(int[] order, int epoch, int b)
    {
        int start = b * BatchSize, count = Math.Min(BatchSize, order.Length - start);
        var batch = _source.ReadBatch(new ArraySegment<int>(order, start, count));
        if (_augmentation is { } aug)
        {
            var rng = new Random(unchecked((_seed * 1_000_003 + epoch) * 1_000_003 + b));
            var scratch = new float[batch.Shape.PlaneSize];
            for (int i = 0; i < batch.Count; i++) aug.Apply(batch.Sample(i), batch.Shape, _source.Preprocessing, rng, scratch);
        }
        return batch;
    }
}
