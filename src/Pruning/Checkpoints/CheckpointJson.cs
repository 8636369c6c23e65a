using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Spp.Pruning.Checkpoints;

/// <summary>How checkpoint values become JSON and back. Doubles are written round-trippable (the
/// serializer's shortest exact form), so a resumed run sees bit-identical probabilities and sums;
/// NaN and infinities (a loss that diverged, a validation loss not measured) are allowed as names.</summary>
public static class CheckpointJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
    };

    public static JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options) ?? JsonValue.Create(0)!;

    /// <summary>The value of <paramref name="node"/>; a missing or malformed one is a damaged checkpoint.</summary>
    public static T FromNode<T>(JsonNode? node, string what)
    {
        try
        {
            return node is null ? throw Missing(what) : node.Deserialize<T>(Options) ?? throw Missing(what);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new CheckpointFormatException($"damaged ({what} unreadable)");
        }
    }

    private static CheckpointFormatException Missing(string what) => new($"damaged ({what} missing)");
}
