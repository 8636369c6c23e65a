using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Spp.Graph;

/// <summary>
/// A hash of what a runtime's speed on a graph depends on: ops, attributes, how nodes connect, the
/// types and shapes of inputs and constants, and the contents of small integer constants (shapes,
/// axes, pads). Value names and the contents of float constants (weights, BatchNorm statistics,
/// clip bounds) are left out, so that equal blocks in different places or models, and the same
/// block before and after training, hash alike.
/// </summary>
public static class StructureHash
{
    /// <summary>Integer constants up to this many elements (axes, shapes, pads) are hashed by value.</summary>
    private const long SmallConstant = 64;

    public static string Of(Graph graph)
    {
        var ids = new Dictionary<string, int>();
        int Id(string name) => name.Length == 0 ? -1 : ids.TryGetValue(name, out int i) ? i : ids[name] = ids.Count;
        var text = new StringBuilder();
        foreach (var input in graph.RealInputs) text.Append("in ").Append(Id(input.Name)).Append(' ').Append(input.Type).Append('\n');
        foreach (var (name, t) in graph.Initializers) text.Append("const ").Append(Id(name)).Append(' ').Append(Describe(t)).Append('\n');
        foreach (var node in graph.Nodes)
        {
            text.Append(node.Domain).Append(':').Append(node.OpType).Append('(');
            text.AppendJoin(',', node.Inputs.Select(Id)).Append(")->(").AppendJoin(',', node.Outputs.Select(Id)).Append(')');
            foreach (var a in node.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal))
                text.Append(' ').Append(a.Kind == AttributeKind.Tensor && a.T is { } t ? $"{a.Name}={Describe(t)}" : a.ToString());
            text.Append('\n');
        }
        foreach (var output in graph.Outputs) text.Append("out ").Append(Id(output.Name)).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32].ToLowerInvariant();
    }

    private static string Describe(Tensor t)
    {
        var s = $"{t.ElementType.ShortName()}[{string.Join(",", t.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))}]";
        return t.ElementCount <= SmallConstant && !t.ElementType.IsFloatingPoint() ? $"{s}={Convert.ToHexString(t.RawData)}" : s;
    }
}
