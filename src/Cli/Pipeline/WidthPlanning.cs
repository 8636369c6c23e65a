using Spectre.Console;
using Spp.Backend.Profiling;
using Spp.Backend.Reports;
using Spp.Backend.Runtime;
using Spp.Cli.Options;
using Spp.Graph;
using Spp.Graph.Channels;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Pipeline;

/// <summary>
/// The main job's widths (spp-spec 4, issue 7). With <c>--snap latency</c> (default) every group's
/// width is one the latency model measured fast on this machine, provider and batch (cached between
/// runs); with <c>--target latency</c> the MAC target handed to the allocator is searched until the
/// whole pruned model, measured, is faster by the speedup asked for, and after the rewrite the
/// job's own check can send the search further (<see cref="Tighten"/>).
/// </summary>
public sealed class WidthPlanning
{
    private readonly PruneOptions _o;
    private readonly LatencyChoice _choice;
    private readonly UniformAllocator _allocator;
    private readonly GroupLatencyProfiler? _profiler;
    private readonly FastWidthAllocator? _fast;
    private readonly LatencyProbe? _probe;
    private LatencyTargetSearch? _search;
    private Action<string>? _status;

    /// <summary>The search's pick, with --target latency.</summary>
    public LatencyTargetSearch.Step? Chosen { get; private set; }

    public WidthPlanning(PruneOptions o, Model model, ChannelAnalysis analysis, OrtSettings settings)
    {
        _o = o;
        _choice = o.Latency ?? LatencyChoice.Default;
        _allocator = new UniformAllocator(analysis);
        if (_choice.LatencyTarget) _probe = new LatencyProbe(model, analysis, settings, o.Batch);
        if (!_choice.Snap) return;
        var provider = settings.Provider ?? ExecutionProvider.Cpu;
        var cache = _choice.CacheDirectory is { } dir ? LatencyCache.Open(dir, MachineIdentity.Describe(provider)) : null;
        if (cache?.Ignored is { } why) AnsiConsole.MarkupLine($"[yellow]note:[/] latency cache {Markup.Escape(why)}; measuring afresh");
        _profiler = new GroupLatencyProfiler(model, analysis, settings, o.Batch, cache)
        {
            Measuring = (g, n) => _status?.Invoke($"latency model: timing {n} widths of group {g.Id} at batch {o.Batch}"),
        };
        _fast = new FastWidthAllocator(_allocator, new ProfiledWidthCost(_profiler));
    }

    public bool LatencyTarget => _choice.LatencyTarget;

    /// <summary>The widths for the job's target; a target that cannot be reached is a usage error.</summary>
    public WidthAllocation Plan()
    {
        WidthAllocation allocation;
        try
        {
            allocation = Run("choosing widths", () =>
            {
                if (!_choice.LatencyTarget) return Allocate(_o.Speedup);
                double most = _allocator.Allocate(_o.Allocation with { Ratio = 1 - 1e-9 }).PredictedSpeedup;
                _search = new LatencyTargetSearch(Allocate, Measure, most);
                Chosen = _search.Find(_o.Speedup);
                return Chosen.Allocation;
            });
        }
        catch (UnreachableSpeedupException e)
        {
            throw JobStart.Unreachable(_o, e);
        }
        NoteIfOffTarget(allocation);
        return allocation;
    }

    /// <summary>One line when a MAC target's widths land more than 3% from it: the allocation's
    /// promise, which coarse widths (--round-to, pinned groups, minimum widths) can leave no way to keep.</summary>
    private void NoteIfOffTarget(WidthAllocation a)
    {
        if (_choice.LatencyTarget || _o.Ratio is not null || _o.Speedup <= 1) return;
        double off = a.PredictedSpeedup / _o.Speedup - 1;
        if (Math.Abs(off) <= UniformAllocator.Overshoot + 1e-9) return;
        string coarse = _o.RoundTo > 1 ? $"at multiples of {_o.RoundTo} " : "";
        AnsiConsole.MarkupLine($"[yellow]note:[/] the widths give {a.PredictedSpeedup:0.##}x fewer MACs, {Math.Abs(off) * 100:0.0}% {(off > 0 ? "above" : "below")} " +
            $"the {_o.Speedup:0.###}x asked: no widths {coarse}land closer (--round-to, --groups and --min-keep limit them)");
    }

    /// <summary>After the written model measured <paramref name="measured"/>, short of the latency
    /// target: widths for more pruning than the last pick, or null with <paramref name="why"/> when
    /// no more pruning allowed measured fast enough. Not a usage error then: the first search found
    /// a model that measured fast enough once, and the job keeps the model it has.</summary>
    public WidthAllocation? Tighten(double measured, out string? why)
    {
        why = null;
        try
        {
            return Run("more pruning for the latency target", () =>
            {
                Chosen = _search!.Find(_o.Speedup, above: Chosen!.MacTarget, measuredAbove: measured);
                return Chosen.Allocation;
            });
        }
        catch (UnreachableSpeedupException e)
        {
            why = e.Message;
            return null;
        }
    }

    private WidthAllocation Allocate(double macSpeedup)
    {
        var options = _o.Allocation with { Speedup = macSpeedup };
        return _fast?.Allocate(options) ?? _allocator.Allocate(options);
    }

    private double Measure(WidthAllocation a)
    {
        _status?.Invoke($"latency target: timing a candidate with {a.PredictedSpeedup:0.00}x fewer MACs at batch {_o.Batch}");
        return _probe!.Speedup(a);
    }

    private WidthAllocation Run(string what, Func<WidthAllocation> body)
    {
        try
        {
            return Consoles.WithStatus(what, status =>
            {
                _status = status;
                return body();
            });
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--groups: {e.Message}");
        }
        finally
        {
            _status = null;
            _profiler?.Cache.Save();
        }
    }

    /// <summary>The search's candidates so far, for the report.</summary>
    public IReadOnlyList<LatencySearchStep>? SearchSteps =>
        _search?.Steps.Select(s => new LatencySearchStep(s.MacTarget, s.Allocation.PredictedSpeedup, s.Measured)).ToList();

    /// <summary>What the latency model measured, for the report; null with --snap none.</summary>
    public LatencyModelFigures? Figures(WidthAllocation final)
    {
        if (_profiler is null || _fast is null) return null;
        var groups = _fast.Costs.OrderBy(kv => kv.Key).Select(kv =>
        {
            int width = _allocator.Groups.First(g => g.Id == kv.Key).Width;
            return new GroupLatencyFigures(kv.Key, width, final.Kept.GetValueOrDefault(kv.Key, width), _fast.FastOf(kv.Key),
                kv.Value.OrderBy(c => c.Key).ToDictionary(c => c.Key, c => Math.Round(c.Value, 4)), _fast.BelowFast.Contains(kv.Key), final.OffLadder == kv.Key);
        }).ToList();
        var p = _profiler;
        return new LatencyModelFigures((p.Settings.Provider ?? ExecutionProvider.Cpu).Name, p.Settings.IntraOpThreads, p.Batch,
            Math.Round(p.ProfilingTime.TotalSeconds, 2), p.WidthsMeasured, p.WidthsReused, p.Cache.FilePath, groups,
            p.Failures.Count > 0 ? p.Failures : null);
    }
}
