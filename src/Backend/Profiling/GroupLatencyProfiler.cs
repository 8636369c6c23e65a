using System.Diagnostics;
using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Backend.Profiling;

/// <summary>
/// The latency model: what each channel group's width costs in ONNX Runtime. Each group's layers
/// are cut out of the model (<see cref="GroupSubgraph"/>) and timed at the widths asked for, on the
/// user's provider, threads and batch size. The widths asked for at once are timed together with
/// the full width, interleaved (in several sets only when their sessions would not fit in memory),
/// and each cost is the ratio to the full width measured in the same set, so that costs measured
/// at different times (another run, a busier machine) can be compared. Results go to the
/// <see cref="LatencyCache"/>; equal cut-outs (equal blocks of one model) are measured once. A group
/// whose cut-out cannot be run gets no costs (the allocator then treats its widths as unmeasured).
/// The allocator sees it through Pruning's IWidthCost (wired in the Cli: Backend does not depend
/// on Pruning).
/// </summary>
public sealed class GroupLatencyProfiler
{
    /// <summary>Times models (the same cut-out at several widths) at a batch size; returns one
    /// cost per model, in any unit. The default is ONNX Runtime; tests give a computed one.</summary>
    public delegate IReadOnlyList<double> ModelTimer(IReadOnlyList<Model> models, int batch);

    /// <summary>Memory the sessions timed together may take (activations at the batch size): as
    /// many widths as fit are timed together, all of a small model's at once.</summary>
    private const long SetMemoryBytes = 1L << 30;

    private readonly Model _model;
    private readonly ChannelAnalysis _analysis;
    private readonly OrtSettings _settings;
    private readonly int _batch;
    private readonly LatencyCache _cache;
    private readonly ModelTimer _timer;
    private readonly Lazy<GraphTypes> _symbolic;
    private readonly Dictionary<int, (GroupSubgraph? Cut, string? Key)> _cuts = new();

    /// <summary>Runs per width (interleaved across widths): the fastest run counts, the one least
    /// disturbed by anything else on the machine.</summary>
    public LatencyOptions Timing { get; init; } = new([1], Runs: 20, Warmup: 2, SecondsPerBatch: 2.0, MinRuns: 7);

    /// <summary>Called before a group's widths are timed (for progress displays).</summary>
    public Action<ChannelGroup, int>? Measuring { get; set; }

    public OrtSettings Settings => _settings;
    public int Batch => _batch;
    public LatencyCache Cache => _cache;

    /// <summary>Time spent cutting, building and timing (not reading the cache).</summary>
    public TimeSpan ProfilingTime { get; private set; }
    public int WidthsMeasured { get; private set; }
    /// <summary>Widths answered from the cache, or from an equal cut-out measured earlier in the run.</summary>
    public int WidthsReused { get; private set; }
    /// <summary>Groups whose cut-out could not be timed, with the reason.</summary>
    public Dictionary<int, string> Failures { get; } = new();

    /// <param name="cache">measurements of earlier runs (null: none; equal cut-outs within this run
    /// are still measured once)</param>
    /// <param name="timer">how to time (default: ONNX Runtime with <paramref name="settings"/>)</param>
    public GroupLatencyProfiler(Model model, ChannelAnalysis analysis, OrtSettings settings, int batch, LatencyCache? cache, ModelTimer? timer = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), "batch must be >= 1");
        (_model, _analysis, _settings, _batch, _cache) = (model, analysis, settings, batch, cache ?? LatencyCache.InMemory());
        _timer = timer ?? TimeWithOrt;
        _symbolic = new(() => ShapeInference.Run(analysis.Graph, analysis.Opset));
    }

    /// <summary>Cost of each width relative to the full width (1); widths that could not be timed
    /// are absent. Another <paramref name="pass"/> times the widths again, independently (and is
    /// cached apart).</summary>
    public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0)
    {
        var result = new Dictionary<int, double>();
        var (cut, cutKey) = CutOut(group);
        if (cut is null || cutKey is null) return result;
        string key = pass == 0 ? cutKey : $"{cutKey};pass={pass}";
        var missing = new List<int>();
        foreach (int w in widths.Where(w => w >= 1 && w <= group.Width).Distinct().Order())
        {
            if (w == group.Width) result[w] = 1;
            else if (_cache.TryGet(key, w) is double c) { result[w] = c; WidthsReused++; }
            else missing.Add(w);
        }
        if (missing.Count == 0) return result;

        Measuring?.Invoke(group, missing.Count);
        long start = Stopwatch.GetTimestamp();
        try
        {
            foreach (var set in missing.Chunk(WidthsPerSet(cut)))
            {
                foreach (var (w, c) in TimeSet(cut, group.Width, set))
                {
                    result[w] = c;
                    _cache.Set(key, w, c);
                }
                WidthsMeasured += set.Length;
            }
        }
        catch (Exception e) when (e is GraphException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException or InvalidOperationException)
        {
            Failures[group.Id] = e.Message;
            foreach (int w in missing) result.Remove(w);
        }
        finally
        {
            ProfilingTime += Stopwatch.GetElapsedTime(start);
        }
        return result;
    }

    /// <summary>Each width's cost over the full width's, timed together.</summary>
    private Dictionary<int, double> TimeSet(GroupSubgraph cut, int full, IReadOnlyList<int> widths)
    {
        var models = new[] { full }.Concat(widths).Select(w => _model.CloneWithGraph(cut.At(w, _analysis.Opset))).ToList();
        var costs = _timer(models, _batch);
        return widths.Select((w, i) => (w, costs[i + 1] / costs[0])).ToDictionary(x => x.w, x => x.Item2);
    }

    /// <summary>Interleaved runs (A, B, C, A, B, C, ...) so that load drifts hit every width alike;
    /// each model's fastest run, the one least disturbed by anything else on the machine. Threads
    /// do not spin between runs: dozens of sessions take turns, and one session's spinning threads
    /// would take the cores from the next one's run.</summary>
    private IReadOnlyList<double> TimeWithOrt(IReadOnlyList<Model> models, int batch)
    {
        var r = LatencyBench.Run(models.Select((m, i) => new BenchModel($"m{i}", m)).ToList(), _settings with { Spinning = false }, Timing with { Batches = [batch] });
        return r.Rows[0].Models.Select(s => s.MinMs).ToList();
    }

    private int WidthsPerSet(GroupSubgraph cut)
    {
        var types = ShapeInference.Run(cut.Graph, _analysis.Opset, _batch);
        long bytes = cut.Graph.Nodes.SelectMany(n => n.Outputs).Concat(cut.Graph.RealInputs.Select(i => i.Name)).Distinct()
            .Sum(v => (types.ShapeOf(v)?.ElementCount() ?? 0) * 4);
        return (int)Math.Clamp(SetMemoryBytes / Math.Max(1, bytes) - 1, 1, 64);
    }

    private (GroupSubgraph? Cut, string? Key) CutOut(ChannelGroup group)
    {
        if (_cuts.TryGetValue(group.Id, out var known)) return known;
        long start = Stopwatch.GetTimestamp();
        try
        {
            var cut = GroupSubgraph.Extract(_analysis, group, _symbolic.Value);
            var key = LatencyCache.Key(_settings, _batch, StructureHash.Of(cut.Graph));
            return _cuts[group.Id] = (cut, key);
        }
        catch (Exception e) when (e is GraphException or ArgumentException or InvalidOperationException)
        {
            Failures[group.Id] = e.Message;
            return _cuts[group.Id] = (null, null);
        }
        finally
        {
            ProfilingTime += Stopwatch.GetElapsedTime(start);
        }
    }
}
