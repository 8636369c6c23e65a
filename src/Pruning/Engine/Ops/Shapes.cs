using Spp.Graph;
using Spp.Graph.Ops;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Shape arithmetic the op kernels share: row-major strides, broadcast descriptors, axis
/// normalisation, and the constant operands (attributes moved to inputs) read at build time.</summary>
internal static class Shapes
{
    public static long Count(IEnumerable<int> shape) => shape.Aggregate(1L, (p, d) => p * d);

    public static long[] Strides(int[] shape) => ConstantData.Strides([.. shape.Select(d => (long)d)]);

    /// <summary><paramref name="shape"/> with 1s in front up to <paramref name="rank"/> (numpy broadcasting).</summary>
    public static int[] PadLeft(int[] shape, int rank) => [.. Enumerable.Repeat(1, rank - shape.Length), .. shape];

    public static BroadcastDesc Broadcast(Node node, int[] outShape, int[] a, int[] b)
    {
        if (outShape.Length > BroadcastDesc.MaxRank)
            throw new TrainingException($"node {node}: rank {outShape.Length} is above the {BroadcastDesc.MaxRank} that broadcasting kernels support");
        return new BroadcastDesc(outShape, PadLeft(a, outShape.Length), PadLeft(b, outShape.Length));
    }

    public static int Axis(Node node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new TrainingException($"node {node}: axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>A flat contiguous copy (or add) of <paramref name="count"/> elements.</summary>
    public static StridedDesc Flat(long count) => new([checked((int)count)], 0, [1], 0, [1]);

    /// <summary>dst (+)= src element by element over <paramref name="count"/> elements.</summary>
    public static void Copy(IKernels k, IBuffer src, IBuffer dst, long count, bool accumulate) =>
        k.StridedCopy(Flat(count), src, dst, accumulate);

    /// <summary>dst += alpha * src, written as the backward of y = alpha * x (which is exactly that).</summary>
    public static void Axpy(IKernels k, float alpha, IBuffer src, IBuffer dst, long count) =>
        k.UnaryBackward(UnaryOp.Scale, alpha, 0, src, src, src, dst, count, accumulate: true);

    /// <summary>The integer list given as input <paramref name="input"/> (a constant) or, when the
    /// node has no such input, attribute <paramref name="attr"/>; null when neither is there.</summary>
    public static long[]? Ints(KernelBuildContext ctx, Node node, int input, string? attr)
    {
        if (node.Input(input) is { } name)
            return (ctx.Constant(name) ?? throw new TrainingException($"node {node}: input '{name}' must be a constant for training")).ToInt64s();
        return attr is null ? null : node.GetInts(attr);
    }

    /// <summary>A scalar float input (constant) or attribute, else <paramref name="dflt"/>.</summary>
    public static float Float(KernelBuildContext ctx, Node node, int input, string? attr, float dflt)
    {
        if (node.Input(input) is { } name)
        {
            var t = ctx.Constant(name) ?? throw new TrainingException($"node {node}: input '{name}' must be a constant for training");
            return t.ToFloats() is [var v] ? v : throw new TrainingException($"node {node}: input '{name}' must hold one value");
        }
        return attr is null ? dflt : node.GetFloat(attr, dflt);
    }
}
