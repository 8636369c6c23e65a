using ILGPU;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>Kernels that address their operands through rank-6 shapes and strides: broadcast binary
/// ops, their element-wise gradients, and the strided copy.</summary>
public static class BroadcastKernels
{
    public static void Binary(Index1D i, BinaryArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        var c = p.Out.Split(i);
        y[i] = Apply(p.Op, a[p.A.Offset(c)], b[p.B.Offset(c)]);
    }

    /// <summary>g[e] (+)= dy[e] * d op(a, b) / d(operand), at every output element; the caller
    /// reduces g over the operand's broadcast axes.</summary>
    public static void BinaryGrad(Index1D i, BinaryArgs p, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> dy, ArrayView<float> g)
    {
        var c = p.Out.Split(i);
        var av = a[p.A.Offset(c)];
        var bv = b[p.B.Offset(c)];
        var d = dy[i] * (p.Operand == 0 ? DerivativeA(p.Op, av, bv) : DerivativeB(p.Op, av, bv));
        g[i] = p.Accumulate != 0 ? g[i] + d : d;
    }

    public static void StridedCopy(Index1D i, StridedArgs p, ArrayView<float> src, ArrayView<float> dst)
    {
        var c = p.Shape.Split(i);
        var v = src[p.SrcOffset + p.Src.Offset(c)];
        var at = p.DstOffset + p.Dst.Offset(c);
        dst[at] = p.Accumulate != 0 ? dst[at] + v : v;
    }

    static float Apply(int op, float a, float b)
    {
        switch ((BinaryOp)op)
        {
            case BinaryOp.Add: return a + b;
            case BinaryOp.Sub: return a - b;
            case BinaryOp.Mul: return a * b;
            case BinaryOp.Div: return a / b;
            case BinaryOp.Max: return a >= b ? a : b;
            case BinaryOp.Min: return a <= b ? a : b;
            default: return a >= 0f ? a : a * b;
        }
    }

    // Ties of Max/Min send the gradient to a only, so that it is counted once.
    static float DerivativeA(int op, float a, float b)
    {
        switch ((BinaryOp)op)
        {
            case BinaryOp.Add: return 1f;
            case BinaryOp.Sub: return 1f;
            case BinaryOp.Mul: return b;
            case BinaryOp.Div: return 1f / b;
            case BinaryOp.Max: return a >= b ? 1f : 0f;
            case BinaryOp.Min: return a <= b ? 1f : 0f;
            default: return a >= 0f ? 1f : b;
        }
    }

    static float DerivativeB(int op, float a, float b)
    {
        switch ((BinaryOp)op)
        {
            case BinaryOp.Add: return 1f;
            case BinaryOp.Sub: return -1f;
            case BinaryOp.Mul: return a;
            case BinaryOp.Div: return -a / (b * b);
            case BinaryOp.Max: return a >= b ? 0f : 1f;
            case BinaryOp.Min: return a <= b ? 0f : 1f;
            default: return a >= 0f ? 0f : a;
        }
    }
}

public struct BinaryArgs
{
    public int Op;
    /// <summary>0: the gradient of a; 1: of b.</summary>
    public int Operand;
    public int Accumulate;
    public Dims6 Out;
    public Strides6 A, B;
}

public struct StridedArgs
{
    public Dims6 Shape;
    public long SrcOffset, DstOffset;
    public Strides6 Src, Dst;
    public int Accumulate;
}
