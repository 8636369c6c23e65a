using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spp.Backend.Reports;
using Spp.Backend.Runtime;

namespace Spp.Backend.Profiling;

/// <summary>
/// Measured width costs kept between runs, so that only the first run on a machine pays for
/// profiling: one JSON file per machine and provider (<see cref="MachineIdentity"/>) in the cache
/// directory, entries keyed by threads, graph optimization level, batch size and the cut-out's
/// <see cref="Spp.Graph.StructureHash"/>, each holding cost per width. The cache only remembers
/// measurements: a run with it gives the allocation a run without it gives when the measurements
/// agree. A file that cannot be read is ignored (and replaced on save); concurrent runs merge their
/// entries into the file on save, the last writer winning per width.
/// </summary>
public sealed class LatencyCache
{
    private const int FormatVersion = 1;

    private readonly Dictionary<string, SortedDictionary<int, double>> _entries = new();
    private readonly HashSet<(string, int)> _changed = new();

    /// <summary>The file, or null for a cache that lives only as long as the run.</summary>
    public string? FilePath { get; }
    public string Machine { get; }
    /// <summary>Why an existing file was ignored, or null.</summary>
    public string? Ignored { get; private set; }

    private LatencyCache(string? path, string machine) => (FilePath, Machine) = (path, machine);

    public static LatencyCache InMemory() => new(null, "");

    /// <summary>$XDG_CACHE_HOME/sppc, else ~/.cache/sppc.</summary>
    public static string DefaultDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "sppc");
    }

    /// <summary>The cache of this machine and provider in <paramref name="directory"/> (created on save).</summary>
    public static LatencyCache Open(string directory, string machine)
    {
        string id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(machine)))[..12].ToLowerInvariant();
        var cache = new LatencyCache(Path.Combine(directory, $"latency-{id}.json"), machine);
        cache.Ignored = cache.Load(cache._entries);
        return cache;
    }

    public static string Key(OrtSettings settings, int batch, string structureHash) =>
        string.Create(CultureInfo.InvariantCulture, $"threads={settings.IntraOpThreads};opt={settings.Optimization};batch={batch};graph={structureHash}");

    public double? TryGet(string key, int width) =>
        _entries.TryGetValue(key, out var e) && e.TryGetValue(width, out double c) ? c : null;

    public void Set(string key, int width, double cost)
    {
        if (!_entries.TryGetValue(key, out var e)) _entries[key] = e = new();
        e[width] = cost;
        _changed.Add((key, width));
    }

    public int Count => _entries.Values.Sum(e => e.Count);

    /// <summary>Writes this run's new measurements, merged into what the file holds now.</summary>
    public void Save()
    {
        if (_changed.Count == 0 || FilePath is null) return;
        var merged = new Dictionary<string, SortedDictionary<int, double>>();
        Load(merged);
        foreach (var (key, width) in _changed)
        {
            if (!merged.TryGetValue(key, out var e)) merged[key] = e = new();
            e[width] = _entries[key][width];
        }
        var root = new JsonObject
        {
            ["version"] = FormatVersion,
            ["machine"] = Machine,
            ["entries"] = new JsonObject(merged.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
                KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject(kv.Value.Select(w =>
                    KeyValuePair.Create(w.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)JsonValue.Create(w.Value))))))),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        AtomicFile.WriteText(FilePath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        _changed.Clear();
    }

    /// <summary>Reads the file into <paramref name="into"/>; returns why it was not usable, or null.</summary>
    private string? Load(Dictionary<string, SortedDictionary<int, double>> into)
    {
        if (FilePath is null || !File.Exists(FilePath)) return null;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(FilePath))?.AsObject() ?? throw new FormatException("empty");
            if (root["version"]?.GetValue<int>() != FormatVersion) return $"{FilePath}: another format version";
            if (root["machine"]?.GetValue<string>() != Machine) return $"{FilePath}: measured on another machine";
            foreach (var (key, widths) in root["entries"]?.AsObject() ?? [])
            {
                var e = new SortedDictionary<int, double>();
                foreach (var (w, c) in widths?.AsObject() ?? [])
                    if (int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out int width) && c?.GetValue<double>() is double cost && cost > 0 && double.IsFinite(cost))
                        e[width] = cost;
                into[key] = e;
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            into.Clear();
            return $"{FilePath}: not readable ({e.Message.Split('\n')[0]})";
        }
    }
}
