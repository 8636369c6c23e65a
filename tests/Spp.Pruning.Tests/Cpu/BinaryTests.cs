using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

public sealed class BinaryTests
{
    private static readonly int[] Out = [3, 4, 5, 7];

    /// <summary>Broadcast patterns by name: same shape, per-channel bias, scalar, both sides broadcast, one
    /// axis broadcast in either operand (every axis), a large per-channel case that splits between threads.</summary>
    private static Dictionary<string, BroadcastDesc> Patterns()
    {
        var p = new Dictionary<string, BroadcastDesc>
        {
            ["same shape"] = new(Out, Out, Out),
            ["per-channel b"] = new(Out, Out, [1, 4, 1, 1]),
            ["per-channel a"] = new(Out, [1, 4, 1, 1], Out),
            ["per-sample b"] = new(Out, Out, [3, 4, 1, 1]),
            ["scalar b"] = new(Out, Out, [1, 1, 1, 1]),
            ["scalar a"] = new(Out, [1, 1, 1, 1], Out),
            ["both sides"] = new(Out, [3, 1, 5, 1], [1, 4, 1, 7]),
            ["rank 1"] = new([37], [37], [1]),
            ["rank 6"] = new([2, 3, 1, 4, 2, 5], [2, 1, 1, 4, 1, 5], [1, 3, 1, 1, 2, 5]),
            ["large per-channel"] = new([8, 16, 33, 31], [8, 16, 33, 31], [1, 16, 1, 1]),
            ["large last axis"] = new([64, 1100], [64, 1100], [1, 1100]),
        };
        for (int k = 0; k < Out.Length; k++)
        {
            var one = Out.ToArray();
            one[k] = 1;
            p[$"b axis {k}"] = new(Out, Out, one);
            p[$"a axis {k}"] = new(Out, one, Out);
        }
        return p;
    }

    public static TheoryData<BinaryOp, string> Cases()
    {
        var data = new TheoryData<BinaryOp, string>();
        foreach (var op in Enum.GetValues<BinaryOp>())
            foreach (var name in Patterns().Keys)
                data.Add(op, name);
        return data;
    }

    private static long Count(int[] s) => s.Aggregate(1L, (c, d) => c * d);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(BinaryOp op, string pattern)
    {
        var d = Patterns()[pattern];
        using var p = new BackendPair();
        var a = p.Random(1, Count(d.AShape), -2, 2);
        // Divisors away from zero; Max/Min ties are left to chance (continuous values rarely tie).
        var b = op == BinaryOp.Div ? p.Of(BackendPair.Values(2, Count(d.BShape), 0.5f, 2).Select((v, i) => i % 2 == 0 ? v : -v).ToArray())
            : p.Random(2, Count(d.BShape), -2, 2);
        var y = p.Random(3, d.Count);
        var dy = p.Random(4, d.Count);
        var da = p.Random(5, Count(d.AShape));
        var db = p.Random(6, Count(d.BShape));
        p.Run((k, t) =>
        {
            k.Binary(op, d, t(a), t(b), t(y));
            k.BinaryBackward(op, d, t(a), t(b), t(dy), t(da), t(db));
        });
        p.Close(y, $"{op} {pattern}: y");
        p.Close(da, $"{op} {pattern}: da");
        p.Close(db, $"{op} {pattern}: db");
    }

    [Fact]
    public void One_operand_gradient_alone()
    {
        var d = new BroadcastDesc(Out, Out, [1, 4, 1, 1]);
        using var p = new BackendPair();
        var a = p.Random(1, d.Count);
        var b = p.Random(2, 4);
        var dy = p.Random(3, d.Count);
        var db = p.Random(4, 4);
        var da = p.Random(5, d.Count);
        p.Run((k, t) =>
        {
            k.BinaryBackward(BinaryOp.Mul, d, t(a), t(b), t(dy), null, t(db));
            k.BinaryBackward(BinaryOp.Sub, d, t(a), t(b), t(dy), t(da), null);
        });
        p.Close(db, "db of Mul");
        p.Close(da, "da of Sub");
    }
}
