using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>One element-wise function of <see cref="BinaryOp"/> and its partial derivatives, written once
/// over vector types. Ties of Max and Min send the gradient to a, as the reference does.</summary>
internal interface IBinaryFunction
{
    static abstract TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV>;
    static abstract TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV>;
    static abstract TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV>;
}

/// <summary>Something to run once the binary function is known as a type.</summary>
internal interface IBinaryVisitor
{
    void Visit<TF>() where TF : struct, IBinaryFunction;
}

internal static class BinaryFunctions
{
    public static void Dispatch<TVisitor>(BinaryOp op, ref TVisitor visitor) where TVisitor : struct, IBinaryVisitor
    {
        switch (op)
        {
            case BinaryOp.Add: visitor.Visit<AddFn>(); break;
            case BinaryOp.Sub: visitor.Visit<SubFn>(); break;
            case BinaryOp.Mul: visitor.Visit<MulFn>(); break;
            case BinaryOp.Div: visitor.Visit<DivFn>(); break;
            case BinaryOp.Max: visitor.Visit<MaxFn>(); break;
            case BinaryOp.Min: visitor.Visit<MinFn>(); break;
            case BinaryOp.PRelu: visitor.Visit<PReluFn>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    /// <summary>The constant partial derivative with respect to a broadcast operand, when there is one:
    /// its gradient is then the output gradient summed (times this), with no product pass.</summary>
    public static float? ConstantPartial(BinaryOp op, bool wrtA) => op switch
    {
        BinaryOp.Add => 1f,
        BinaryOp.Sub => wrtA ? 1f : -1f,
        _ => null,
    };

    private static TV One<TV, TS>() where TV : struct where TS : struct, ISimdMath<TV> => TS.Splat(1f);

    private struct AddFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Add(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => One<TV, TS>();
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => One<TV, TS>();
    }

    private struct SubFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Sub(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => One<TV, TS>();
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Splat(-1f);
    }

    private struct MulFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Mul(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => b;
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => a;
    }

    private struct DivFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Div(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Div(One<TV, TS>(), b);
        // -a / b^2 as -(a / b) / b: b^2 alone could overflow or underflow.
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Neg(TS.Div(TS.Div(a, b), b));
    }

    private struct MaxFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Max(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(a, b), One<TV, TS>(), TS.Zero);
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(a, b), TS.Zero, One<TV, TS>());
    }

    private struct MinFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> => TS.Min(a, b);
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.LessOrEqual(a, b), One<TV, TS>(), TS.Zero);
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.LessOrEqual(a, b), TS.Zero, One<TV, TS>());
    }

    private struct PReluFn : IBinaryFunction
    {
        public static TV Value<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(a, TS.Zero), a, TS.Mul(a, b));
        public static TV PartialA<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(a, TS.Zero), One<TV, TS>(), b);
        public static TV PartialB<TV, TS>(TV a, TV b) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(a, TS.Zero), TS.Zero, a);
    }
}
