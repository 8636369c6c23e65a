using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>Every unary function and its derivative (both accumulate modes), then broadcast binary
/// ops and their gradients, against the reference.</summary>
[Collection(IlgpuCollection.Name)]
public class ElementwiseTests(IlgpuFixture f) : BackendComparison(f)
{
    const int Count = 37;

    public static TheoryData<UnaryOp, float, float> UnaryCases => new()
    {
        { UnaryOp.Identity, 0f, 0f }, { UnaryOp.Relu, 0f, 0f }, { UnaryOp.LeakyRelu, 0.1f, 0f },
        { UnaryOp.Clip, -0.5f, 0.6f }, { UnaryOp.Sigmoid, 0f, 0f }, { UnaryOp.HardSigmoid, 0.2f, 0.5f },
        { UnaryOp.HardSwish, 0f, 0f }, { UnaryOp.Tanh, 0f, 0f }, { UnaryOp.Scale, 1.5f, -0.25f },
        { UnaryOp.Exp, 0f, 0f }, { UnaryOp.Elu, 0.7f, 0f }, { UnaryOp.Softplus, 0f, 0f }, { UnaryOp.Neg, 0f, 0f },
        { UnaryOp.Abs, 0f, 0f }, { UnaryOp.Sqrt, 0f, 0f }, { UnaryOp.Square, 0f, 0f }, { UnaryOp.Pow, 2.5f, 0f },
    };

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void UnaryAndItsGradient(UnaryOp op, float a, float b)
    {
        // Sqrt and Pow are taken on positive inputs; the range spans HardSwish's and HardSigmoid's kinks.
        var x = op is UnaryOp.Sqrt or UnaryOp.Pow ? Random(Count, 1, 0.1f, 4f) : Random(Count, 1, -4f, 4f);
        var y = Random(Count, 2);
        G.Unary(op, a, b, x.Gpu, y.Gpu, Count);
        R.Unary(op, a, b, x.Reference, y.Reference, Count);
        AssertClose(y, what: $"{op}");
        var dy = Random(Count, 3);
        foreach (var accumulate in new[] { false, true })
        {
            var dx = Random(Count, 4);
            G.UnaryBackward(op, a, b, x.Gpu, y.Gpu, dy.Gpu, dx.Gpu, Count, accumulate);
            R.UnaryBackward(op, a, b, x.Reference, y.Reference, dy.Reference, dx.Reference, Count, accumulate);
            AssertClose(dx, what: $"{op}' accumulate={accumulate}");
        }
    }

    public static TheoryData<int[], int[], int[]> Shapes => new()
    {
        { [2, 3, 4], [2, 3, 4], [2, 3, 4] },
        { [2, 3, 4], [2, 3, 4], [1, 3, 1] },
        { [2, 3, 4], [2, 1, 4], [1, 3, 1] },
        { [5, 4], [1, 1], [5, 4] },
        { [7], [7], [1] },
        { [2, 1, 3, 2, 2, 3], [2, 1, 1, 2, 1, 3], [1, 1, 3, 1, 2, 1] },
        { [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BinaryBroadcastAndGradients(int[] outShape, int[] aShape, int[] bShape)
    {
        var d = new BroadcastDesc(outShape, aShape, bShape);
        var aCount = aShape.Aggregate(1L, (p, v) => p * v);
        var bCount = bShape.Aggregate(1L, (p, v) => p * v);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            var a = Random(aCount, 1, -2f, 2f);
            // Divisors are kept away from zero; PRelu's slope may be any sign.
            var b = op == BinaryOp.Div ? Random(bCount, 2, 0.5f, 2f) : Random(bCount, 2, -2f, 2f);
            var y = Random(d.Count, 3);
            G.Binary(op, d, a.Gpu, b.Gpu, y.Gpu);
            R.Binary(op, d, a.Reference, b.Reference, y.Reference);
            AssertClose(y, what: $"{op}");
            var dy = Random(d.Count, 4);
            // Gradients add to what is there; each operand also alone (the other one not wanted).
            var da = Random(aCount, 5);
            var db = Random(bCount, 6);
            G.BinaryBackward(op, d, a.Gpu, b.Gpu, dy.Gpu, da.Gpu, db.Gpu);
            R.BinaryBackward(op, d, a.Reference, b.Reference, dy.Reference, da.Reference, db.Reference);
            G.BinaryBackward(op, d, a.Gpu, b.Gpu, dy.Gpu, da.Gpu, null);
            R.BinaryBackward(op, d, a.Reference, b.Reference, dy.Reference, da.Reference, null);
            G.BinaryBackward(op, d, a.Gpu, b.Gpu, dy.Gpu, null, db.Gpu);
            R.BinaryBackward(op, d, a.Reference, b.Reference, dy.Reference, null, db.Reference);
            AssertClose(da, what: $"{op} da");
            AssertClose(db, what: $"{op} db");
        }
    }
}
