using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>Strided copies (transpose, slice, concat, pad, expand, reversal) and reductions over every axis pattern.</summary>
public sealed class LayoutTests
{
    private static long[] Dense(params int[] shape)
    {
        var s = new long[shape.Length];
        long step = 1;
        for (int k = shape.Length - 1; k >= 0; k--) (s[k], step) = (step, step * shape[k]);
        return s;
    }

    /// <summary>name => (desc, source length, destination length).</summary>
    private static readonly Dictionary<string, (StridedDesc D, long Src, long Dst)> Copies = new()
    {
        // [2,3,4,5] -> [2,4,5,3]: iterate the output, read the input with permuted strides.
        ["transpose 0231"] = (new StridedDesc([2, 4, 5, 3], 0, [60, 5, 1, 20], 0, Dense(2, 4, 5, 3)), 120, 120),
        // The same transpose's gradient: scatter with permuted destination strides.
        ["transpose 0231 scattered"] = (new StridedDesc([2, 4, 5, 3], 0, Dense(2, 4, 5, 3), 0, [60, 5, 1, 20]), 120, 120),
        // Channels 2..5 of [3,7,6,5] into a [3,4,6,5] tensor.
        ["slice channels"] = (new StridedDesc([3, 4, 6, 5], 60, [210, 30, 5, 1], 0, Dense(3, 4, 6, 5)), 630, 360),
        // A [3,4,6,5] tensor into channels 3..6 of a [3,9,6,5] concat output.
        ["concat part"] = (new StridedDesc([3, 4, 6, 5], 0, Dense(3, 4, 6, 5), 90, [270, 30, 5, 1]), 360, 810),
        // [2,3,5,6] into the interior of a [2,3,8,9] padded tensor (pads top 2, left 1).
        ["pad interior"] = (new StridedDesc([2, 3, 5, 6], 0, Dense(2, 3, 5, 6), 19, [216, 72, 9, 1]), 180, 432),
        // A [1,6,1,1] bias expanded over [4,6,7,9].
        ["expand bias"] = (new StridedDesc([4, 6, 7, 9], 0, [0, 1, 0, 0], 0, Dense(4, 6, 7, 9)), 6, 1512),
        // Rows of [3, 20] reversed, every other element of each: a negative and a non-unit source stride.
        ["reverse and step"] = (new StridedDesc([3, 2, 5], 40, [-20, 1, 2], 0, Dense(3, 2, 5)), 60, 30),
        ["large contiguous"] = (new StridedDesc([16, 64, 100], 0, Dense(16, 64, 100), 0, Dense(16, 64, 100)), 102400, 102400),
    };

    public static TheoryData<string, bool> CopyNames() => Theories.WithFlag(Copies.Keys);

    [Theory]
    [MemberData(nameof(CopyNames))]
    public void Strided_copy_matches_the_reference(string name, bool accumulate)
    {
        var (d, srcLength, dstLength) = Copies[name];
        using var p = new BackendPair();
        var src = p.Random(1, srcLength);
        var dst = p.Random(2, dstLength);
        p.Run((k, t) => k.StridedCopy(d, t(src), t(dst), accumulate));
        p.Equal(dst, name);
    }

    [Fact]
    public void Strided_copy_outside_the_buffer_is_refused()
    {
        using var p = new BackendPair();
        var src = p.Cpu.Allocate(10);
        var dst = p.Cpu.Allocate(10);
        Assert.Throws<ArgumentException>(() => p.Cpu.StridedCopy(new StridedDesc([4], 0, [4], 0, [1]), src, dst, false));
        Assert.Throws<ArgumentException>(() => p.Cpu.StridedCopy(new StridedDesc([4], 2, [-1], 0, [1]), src, dst, false));
    }

    private static readonly int[] In = [4, 6, 5, 7];

    private static readonly Dictionary<string, ReduceDesc> Reductions = new()
    {
        ["per channel"] = new(In, [1, 6, 1, 1], 1),
        ["global average"] = new(In, [4, 6, 1, 1], 1f / 35),
        ["all"] = new(In, [1, 1, 1, 1], 0.5f),
        ["batch"] = new(In, [1, 6, 5, 7], 1),
        ["axis 1"] = new(In, [4, 1, 5, 7], 1),
        ["last axis"] = new(In, [4, 6, 5, 1], 1),
        ["axes 0 and 2"] = new(In, [1, 6, 1, 7], 2),
        ["none"] = new(In, In, 3),
        ["rows, wide"] = new([200, 1300], [1, 1300], 1),
        ["long runs"] = new([3, 20000], [3, 1], 1),
        ["resnet bias gradient"] = new([32, 16, 1024], [1, 16, 1], 1),
        ["empty axis reduced"] = new([0, 5], [1, 5], 1),
    };

    public static TheoryData<string, bool> ReduceNames() => Theories.WithFlag(Reductions.Keys);

    [Theory]
    [MemberData(nameof(ReduceNames))]
    public void Reduce_matches_the_reference(string name, bool accumulate)
    {
        var d = Reductions[name];
        using var p = new BackendPair();
        var x = p.Random(1, d.InShape.Aggregate(1L, (c, s) => c * s));
        var y = p.Random(2, d.OutShape.Aggregate(1L, (c, s) => c * s));
        p.Run((k, t) => k.Reduce(d, t(x), t(y), accumulate));
        p.Close(y, name);
    }
}
