using Spp.Graph;

namespace Spp.Backend.Verification;

/// <summary>Seeded random inputs for a graph's real inputs at a batch size: floats in [-1, 1),
/// integers in [0, 10), booleans; symbolic or unknown dims other than the batch are set to 1.</summary>
public static class RandomInputs
{
    public static Dictionary<string, Tensor> For(Graph.Graph graph, long batch, int seed)
    {
        var rng = new Random(seed);
        var result = new Dictionary<string, Tensor>();
        foreach (var input in graph.RealInputs)
        {
            var type = input.Type ?? throw new GraphException($"graph input '{input.Name}' has no tensor type");
            var shape = type.Shape ?? throw new GraphException($"graph input '{input.Name}' has no shape");
            var dims = shape.Dims.Select((d, i) => d.Value ?? (i == 0 ? batch : 1)).ToArray();
            long n = Tensor.ElementCountOf(dims);
            var values = new double[n];
            for (long k = 0; k < n; k++)
                values[k] = type.ElementType.IsFloatingPoint() ? rng.NextDouble() * 2 - 1
                    : type.ElementType == ElementType.Bool ? rng.Next(2) : rng.Next(10);
            result[input.Name] = Tensor.FromDoubles(input.Name, type.ElementType, dims, values);
        }
        return result;
    }
}
