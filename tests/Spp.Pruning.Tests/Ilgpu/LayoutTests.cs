using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>StridedCopy (transpose, slice into a concat, broadcast source, rank 6, accumulate) and
/// Reduce over every kind of axis set, by one thread per output (short rows) and by a group per
/// output (long rows).</summary>
[Collection(IlgpuCollection.Name)]
public class LayoutTests(IlgpuFixture f) : BackendComparison(f)
{
    public static TheoryData<string, StridedDesc, long, long> Copies => new()
    {
        // [2, 3, 4] -> [4, 2, 3]
        { "transpose", new StridedDesc([4, 2, 3], 0, [1, 12, 4], 0, [6, 3, 1]), 24, 24 },
        // rows 1..2 of a [4, 5] source into columns 5..9 of a [2, 10] destination.
        { "slice into concat", new StridedDesc([2, 5], 5, [5, 1], 5, [10, 1]), 20, 20 },
        { "broadcast source", new StridedDesc([3, 4], 1, [0, 1], 0, [4, 1]), 5, 12 },
        { "rank 6", new StridedDesc([2, 1, 2, 3, 1, 2], 0, [12, 12, 6, 2, 2, 1], 0, [1, 2, 2, 4, 12, 12]), 24, 24 },
    };

    [Theory]
    [MemberData(nameof(Copies))]
    public void StridedCopy(string name, StridedDesc d, long sourceLength, long destinationLength)
    {
        var src = Random(sourceLength, 1);
        foreach (var accumulate in new[] { false, true })
        {
            var dst = Random(destinationLength, 2);
            G.StridedCopy(d, src.Gpu, dst.Gpu, accumulate);
            R.StridedCopy(d, src.Reference, dst.Reference, accumulate);
            AssertClose(dst, what: $"{name} accumulate={accumulate}");
        }
    }

    public static TheoryData<int[], int[]> Reductions => new()
    {
        { [2, 3, 4], [1, 3, 1] },
        { [4, 3, 20], [4, 3, 1] },
        { [6, 5, 7], [1, 1, 1] },
        { [3, 4], [3, 4] },
        { [2, 3, 2, 2, 3, 2], [2, 1, 2, 1, 3, 1] },
        { [40, 2], [1, 2] },
    };

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Reduce(int[] inShape, int[] outShape)
    {
        var x = Random(inShape.Aggregate(1L, (p, v) => p * v), 3);
        var outCount = outShape.Aggregate(1L, (p, v) => p * v);
        foreach (var accumulate in new[] { false, true })
        {
            var y = Random(outCount, 4);
            var d = new ReduceDesc(inShape, outShape, 0.25f);
            G.Reduce(d, x.Gpu, y.Gpu, accumulate);
            R.Reduce(d, x.Reference, y.Reference, accumulate);
            AssertClose(y, what: $"accumulate={accumulate}");
        }
    }
}
