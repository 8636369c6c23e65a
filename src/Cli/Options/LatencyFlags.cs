using System.CommandLine;
using Spp.Backend.Profiling;

namespace Spp.Cli.Options;

/// <summary><c>--target</c>, <c>--snap</c> and <c>--latency-cache</c>: what the speedup means and
/// which channel counts the allocation may use (issue 7: latency must follow MACs).</summary>
public sealed class LatencyFlags
{
    public Option<string> Target { get; } = new("--target")
    {
        Description = "what --speedup counts: macs (multiply-accumulates) or latency (measured ONNX Runtime speedup at --batch)",
        DefaultValueFactory = _ => "macs",
    };

    public Option<string> Snap { get; } = new("--snap")
    {
        Description = "channel counts: latency (only widths the latency model measured fast on this machine) or none (any, see --round-to)",
        DefaultValueFactory = _ => "latency",
    };

    public Option<string?> Cache { get; } = new("--latency-cache")
    {
        Description = "folder of the latency model's measurements, per machine and provider (default $XDG_CACHE_HOME/sppc or ~/.cache/sppc; none: measure afresh, keep nothing)",
    };

    public LatencyFlags()
    {
        Target.AcceptOnlyFromAmong("macs", "latency");
        Snap.AcceptOnlyFromAmong("latency", "none");
    }

    public void AddTo(Command command)
    {
        command.Add(Target);
        command.Add(Snap);
        command.Add(Cache);
    }

    public LatencyChoice Parse(ParseResult r)
    {
        string? dir = r.GetValue(Cache);
        if (dir is not null && dir != "none" && File.Exists(dir)) throw new UsageException($"--latency-cache {dir}: is a file; give a folder");
        if (dir is "") throw new UsageException("--latency-cache: give a folder, or none");
        return new LatencyChoice(r.GetValue(Target) == "latency", r.GetValue(Snap) != "none",
            dir == "none" ? null : dir ?? LatencyCache.DefaultDirectory());
    }
}

/// <summary>The parsed latency flags; <see cref="CacheDirectory"/> is null for <c>--latency-cache none</c>.</summary>
public sealed record LatencyChoice(bool LatencyTarget, bool Snap, string? CacheDirectory)
{
    public static readonly LatencyChoice Default = new(false, true, LatencyCache.DefaultDirectory());
}
