using System.Text.Json;
using Spp.Graph.Channels;

namespace Spp.Pruning.Allocation;

/// <summary>
/// A user's width for one channel group, for users who know their model: the group is named by a
/// layer that produces or reads it (node name as `sppc inspect` shows it) or by its id; Keep is a
/// unit count (>= 1) or a share of the group (below 1). The other groups share the rest of the target.
/// File format: <c>{"groups": [{"layer": "/layer1/layer1.0/conv1/Conv", "keep": 0.75}, {"group": 5, "keep": 24}]}</c>.
/// </summary>
public sealed record GroupOverride(string? Layer, int? Group, double Keep)
{
    public static IReadOnlyList<GroupOverride> Parse(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
                throw new FormatException($"{source}: expected {{\"groups\": [...]}}");
            var list = new List<GroupOverride>();
            foreach (var g in groups.EnumerateArray())
            {
                string? layer = g.TryGetProperty("layer", out var l) ? l.GetString() : null;
                int? id = g.TryGetProperty("group", out var i) ? i.GetInt32() : null;
                if ((layer is null) == (id is null)) throw new FormatException($"{source}: each entry names either \"layer\" or \"group\"");
                if (!g.TryGetProperty("keep", out var k) || k.ValueKind != JsonValueKind.Number || !(k.GetDouble() > 0))
                    throw new FormatException($"{source}: each entry needs a positive \"keep\" (units, or a share below 1)");
                list.Add(new GroupOverride(layer, id, k.GetDouble()));
            }
            return list;
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON ({e.Message})");
        }
    }

    /// <summary>Kept units per group id; a name that matches no prunable group is an error.</summary>
    public static Dictionary<int, int> Resolve(IEnumerable<GroupOverride> overrides, ChannelAnalysis analysis)
    {
        var result = new Dictionary<int, int>();
        foreach (var o in overrides)
        {
            var g = o.Group is int id
                ? analysis.PrunableGroups.FirstOrDefault(x => x.Id == id)
                // A layer names the group it produces; a layer producing none (a classifier) the one it reads.
                : analysis.PrunableGroups.FirstOrDefault(x => x.Producers.Contains(o.Layer!))
                  ?? analysis.PrunableGroups.FirstOrDefault(x => x.Consumers.Contains(o.Layer!));
            if (g is null)
                throw new ArgumentException(o.Group is int n ? $"group {n} is not a prunable group (see sppc inspect)"
                    : $"layer '{o.Layer}' produces or reads no prunable group (see sppc inspect)");
            int keep = o.Keep < 1 ? Math.Max(1, (int)Math.Round(o.Keep * g.Width)) : (int)o.Keep;
            if (keep > g.Width) throw new ArgumentException($"group {g.Id}: cannot keep {keep} of its {g.Width} units");
            result[g.Id] = keep;
        }
        return result;
    }
}
