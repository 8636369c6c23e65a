namespace Spp.Graph.Ops;

/// <summary>Numpy-style multidirectional broadcasting of shapes (ONNX's rule for element-wise ops).</summary>
public static class Broadcast
{
    public static Shape? Shapes(IEnumerable<Shape?> shapes)
    {
        var list = shapes.ToList();
        if (list.Any(s => s is null)) return null;
        int rank = list.Max(s => s!.Rank);
        var dims = new Dim[rank];
        for (int k = 0; k < rank; k++)
        {
            Dim result = Dim.Of(1);
            foreach (var s in list)
            {
                int a = k - (rank - s!.Rank);
                if (a < 0) continue;
                result = Merge(result, s[a]);
            }
            dims[k] = result;
        }
        return new Shape(dims);
    }

    private static Dim Merge(Dim acc, Dim d)
    {
        if (d.Value == 1) return acc;
        if (acc.Value == 1) return d;
        if (acc.IsKnown && d.IsKnown && acc.Value != d.Value)
            throw new GraphException($"dimensions {acc} and {d} do not broadcast");
        if (acc.IsKnown) return acc;
        if (d.IsKnown) return d;
        // Neither size is known: either may be 1 at run time, so only a symbol both share is sure.
        return acc.Symbol is not null && acc.Symbol == d.Symbol ? acc : Dim.Unknown;
    }
}
