using System.Diagnostics;
using System.Text.Json.Nodes;
using Spp.Pruning.Training;

namespace Spp.Pruning.Checkpoints;

/// <summary>
/// The checkpoint of one run: the state it resumes from (when a checkpoint for the same key exists),
/// and the saving policy at step boundaries. A phase saves at its first and last boundary, at every
/// epoch start, and when <see cref="Interval"/> has passed since the last save, so a kill loses little;
/// when the run is cancelled it saves at the next boundary and stops with a
/// <see cref="TrainingInterruptedException"/>. Saving never changes what is computed, so a resumed
/// run ends with the same weights as one that was never stopped.
/// </summary>
public sealed class CheckpointSession
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(3);

    private readonly Stopwatch _sinceSave = Stopwatch.StartNew();
    private readonly Action<string> _note;
    private bool _unwritable;

    private CheckpointSession(string path, IReadOnlyDictionary<string, string> key, CancellationToken cancel, Action<string> note, CheckpointData? resume)
    {
        Path = path;
        Key = key;
        Cancel = cancel;
        _note = note;
        Resume = resume;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Key { get; }
    public CancellationToken Cancel { get; }
    /// <summary>The saved state this run continues from, or null for a fresh run.</summary>
    public CheckpointData? Resume { get; }
    public TimeSpan Interval { get; set; } = DefaultInterval;
    /// <summary>Values of the job around the phases (e.g. the outcome of the pruning phase while
    /// fine-tuning), stored with every save under <c>"job"</c>.</summary>
    public Func<JsonNode?>? JobState { get; set; }
    /// <summary>Size in bytes and duration of the last save, for the user and for measurements.</summary>
    public (long Bytes, TimeSpan Time)? LastSave { get; private set; }

    /// <summary>Opens the checkpoint at <paramref name="path"/> for a run with <paramref name="key"/>.
    /// A checkpoint of other inputs, or a damaged one, is ignored with one note (the run starts over
    /// and replaces it at its first save); <paramref name="restart"/> ignores any checkpoint silently.</summary>
    public static CheckpointSession Open(string path, IReadOnlyDictionary<string, string> key, bool restart, CancellationToken cancel, Action<string> note)
    {
        CheckpointData? resume = null;
        if (!restart && File.Exists(path))
        {
            try
            {
                var saved = CheckpointFile.Read(path);
                if (Difference(saved.Key, key) is { } why) note($"ignoring checkpoint {path}: it belongs to another run ({why}); starting over");
                else resume = saved;
            }
            catch (CheckpointFormatException e)
            {
                note($"ignoring checkpoint {path}: {e.Message}; starting over");
            }
        }
        return new CheckpointSession(path, key, cancel, note, resume);
    }

    /// <summary>The key fields that differ, a few of them named; null when the keys match.</summary>
    public static string? Difference(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> now)
    {
        var names = saved.Keys.Union(now.Keys).Where(k => saved.GetValueOrDefault(k) != now.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return null;
        string Show(string? v) => v is null ? "absent" : v.Length > 24 ? v[..12] + "..." : v;
        var shown = names.Take(3).Select(k => $"{k}: {Show(saved.GetValueOrDefault(k))} there, {Show(now.GetValueOrDefault(k))} here");
        return string.Join("; ", shown) + (names.Count > 3 ? $"; {names.Count - 3} more" : "");
    }

    /// <summary>Called by a phase's step loop at every boundary, before the next step changes anything.</summary>
    public void AtBoundary(StepBoundary b, Func<CheckpointData> capture)
    {
        if (b.Resumed) return;      // that state is the checkpoint just read
        bool stop = Cancel.IsCancellationRequested;
        if (stop || b.Position.Step == 0 || b.EpochStart || b.IsLast || _sinceSave.Elapsed >= Interval) Save(capture());
        if (stop) throw new TrainingInterruptedException(b.Phase, b.Position.Step, b.TotalSteps, _unwritable ? null : Path);
    }

    /// <summary>Saves atomically. A folder that cannot take the file costs the checkpoints, not the
    /// run: one note, and no further attempts.</summary>
    public void Save(CheckpointData d)
    {
        if (_unwritable) return;
        d.Key = Key;
        if (JobState?.Invoke() is { } job) d.Values["job"] = job;
        var clock = Stopwatch.StartNew();
        try
        {
            long bytes = CheckpointFile.Write(Path, d);
            LastSave = (bytes, clock.Elapsed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _unwritable = true;
            _note($"cannot write checkpoint {Path} ({e.Message.TrimEnd('.')}); continuing without checkpoints");
        }
        _sinceSave.Restart();
    }

    /// <summary>The run finished: its checkpoint has nothing left to continue. Temporary files that a
    /// run killed while saving left beside it go too.</summary>
    public void Complete()
    {
        try
        {
            File.Delete(Path);
            string full = System.IO.Path.GetFullPath(Path);
            foreach (var stale in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(full)!, System.IO.Path.GetFileName(full) + ".tmp*"))
                File.Delete(stale);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _note($"could not delete checkpoint {Path} ({e.Message.TrimEnd('.')})");
        }
    }
}
