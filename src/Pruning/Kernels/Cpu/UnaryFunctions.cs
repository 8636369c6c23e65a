using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>The parameters of a unary function as vectors, with what Pow derives from its exponent once per call.</summary>
internal readonly struct UnaryArgs<TV> where TV : struct
{
    public readonly TV A, B, One, Zero;
    /// <summary>Pow: the factor (-1)^e that |x|^e takes for negative x (NaN when e is not an integer), for e = A and e = A - 1.</summary>
    public readonly TV PowSign, SlopeSign;

    private UnaryArgs(TV a, TV b, TV one, TV zero, TV powSign, TV slopeSign) =>
        (A, B, One, Zero, PowSign, SlopeSign) = (a, b, one, zero, powSign, slopeSign);

    public static UnaryArgs<TV> Create<TS>(float a, float b) where TS : struct, ISimd<TV> =>
        new(TS.Splat(a), TS.Splat(b), TS.Splat(1f), TS.Zero, TS.Splat(NegativeBaseSign(a)), TS.Splat(NegativeBaseSign(a - 1f)));

    private static float NegativeBaseSign(float e) =>
        MathF.Floor(e) != e ? float.NaN : MathF.Abs(e) % 2f == 1f ? -1f : 1f;
}

/// <summary>One element-wise function of <see cref="UnaryOp"/> and its derivative, written once over vector
/// types. Definitions and kink conventions are those of the reference (ReLU, Clip and HardSigmoid pass no
/// gradient exactly at a bound).</summary>
internal interface IUnaryFunction
{
    /// <summary>The derivative reads y = f(x) (cheaper than recomputing f); otherwise y is not loaded.</summary>
    static abstract bool SlopeUsesY { get; }
    static abstract TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>;
    static abstract TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>;
}

/// <summary>Something to run once the unary function is known as a type (one switch for all uses).</summary>
internal interface IUnaryVisitor
{
    void Visit<TF>() where TF : struct, IUnaryFunction;
}

internal static class UnaryFunctions
{
    public static void Dispatch<TVisitor>(UnaryOp op, ref TVisitor visitor) where TVisitor : struct, IUnaryVisitor
    {
        switch (op)
        {
            case UnaryOp.Identity: visitor.Visit<IdentityFn>(); break;
            case UnaryOp.Relu: visitor.Visit<ReluFn>(); break;
            case UnaryOp.LeakyRelu: visitor.Visit<LeakyReluFn>(); break;
            case UnaryOp.Clip: visitor.Visit<ClipFn>(); break;
            case UnaryOp.Sigmoid: visitor.Visit<SigmoidFn>(); break;
            case UnaryOp.HardSigmoid: visitor.Visit<HardSigmoidFn>(); break;
            case UnaryOp.HardSwish: visitor.Visit<HardSwishFn>(); break;
            case UnaryOp.Tanh: visitor.Visit<TanhFn>(); break;
            case UnaryOp.Scale: visitor.Visit<ScaleFn>(); break;
            case UnaryOp.Exp: visitor.Visit<ExpFn>(); break;
            case UnaryOp.Elu: visitor.Visit<EluFn>(); break;
            case UnaryOp.Softplus: visitor.Visit<SoftplusFn>(); break;
            case UnaryOp.Neg: visitor.Visit<NegFn>(); break;
            case UnaryOp.Abs: visitor.Visit<AbsFn>(); break;
            case UnaryOp.Sqrt: visitor.Visit<SqrtFn>(); break;
            case UnaryOp.Square: visitor.Visit<SquareFn>(); break;
            case UnaryOp.Pow: visitor.Visit<PowFn>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    /// <summary>1 / (1 + e^-x): exact limits at both ends (e^-x overflows to infinity for very negative x).</summary>
    internal static TV Sigmoid<TV, TS>(TV x, TV one) where TV : struct where TS : struct, ISimdMath<TV> =>
        TS.Div(one, TS.Add(one, TS.Exp(TS.Neg(x))));

    private struct IdentityFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => x;
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => p.One;
    }

    private struct ReluFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.Greater(x, p.Zero), x, p.Zero);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.Greater(x, p.Zero), p.One, p.Zero);
    }

    private struct LeakyReluFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(x, p.Zero), x, TS.Mul(p.A, x));
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.GreaterOrEqual(x, p.Zero), p.One, p.A);
    }

    private struct ClipFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Min(TS.Max(x, p.A), p.B);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.And(TS.Greater(x, p.A), TS.Less(x, p.B)), p.One, p.Zero);
    }

    private struct SigmoidFn : IUnaryFunction
    {
        public static bool SlopeUsesY => true;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            Sigmoid<TV, TS>(x, p.One);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Mul(y, TS.Sub(p.One, y));
    }

    private struct HardSigmoidFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Min(p.One, TS.Max(p.Zero, TS.Fma(p.A, x, p.B)));
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>
        {
            TV t = TS.Fma(p.A, x, p.B);
            return TS.Select(TS.And(TS.Greater(t, p.Zero), TS.Less(t, p.One)), p.A, p.Zero);
        }
    }

    private struct HardSwishFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Mul(x, TS.Min(p.One, TS.Max(p.Zero, TS.Fma(x, TS.Splat(1f / 6f), TS.Splat(0.5f)))));
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>
        {
            TV three = TS.Splat(3f);
            TV middle = TS.Fma(x, TS.Splat(1f / 3f), TS.Splat(0.5f));
            return TS.Select(TS.Less(x, TS.Neg(three)), p.Zero, TS.Select(TS.Greater(x, three), p.One, middle));
        }
    }

    /// <summary>Cephes' single-precision tanhf: an odd polynomial below |x| = 0.625 (where 1 - 2 / (e^2x + 1)
    /// would cancel), the exponential form above it.</summary>
    private struct TanhFn : IUnaryFunction
    {
        public static bool SlopeUsesY => true;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>
        {
            TV ax = TS.Abs(x);
            TV two = TS.Splat(2f);
            TV large = TS.Sub(p.One, TS.Div(two, TS.Add(TS.Exp(TS.Mul(two, ax)), p.One)));
            large = TS.Select(TS.Less(x, p.Zero), TS.Neg(large), large);
            TV z = TS.Mul(x, x);
            TV poly = TS.Fma(TS.Splat(-5.70498872745e-3f), z, TS.Splat(2.06390887954e-2f));
            poly = TS.Fma(poly, z, TS.Splat(-5.37397155531e-2f));
            poly = TS.Fma(poly, z, TS.Splat(1.33314422036e-1f));
            poly = TS.Fma(poly, z, TS.Splat(-3.33332819422e-1f));
            TV small = TS.Fma(TS.Mul(poly, z), x, x);
            return TS.Select(TS.Less(ax, TS.Splat(0.625f)), small, large);
        }
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Sub(p.One, TS.Mul(y, y));
    }

    private struct ScaleFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Fma(p.A, x, p.B);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => p.A;
    }

    private struct ExpFn : IUnaryFunction
    {
        public static bool SlopeUsesY => true;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Exp(x);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => y;
    }

    private struct EluFn : IUnaryFunction
    {
        public static bool SlopeUsesY => true;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.Greater(x, p.Zero), x, TS.Mul(p.A, TS.Sub(TS.Exp(x), p.One)));
        // Below zero y = a (e^x - 1), so a e^x = y + a.
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.Greater(x, p.Zero), p.One, TS.Add(y, p.A));
    }

    private struct SoftplusFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large x.
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Add(TS.Max(x, p.Zero), TS.Log(TS.Add(p.One, TS.Exp(TS.Neg(TS.Abs(x))))));
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            Sigmoid<TV, TS>(x, p.One);
    }

    private struct NegFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Neg(x);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Neg(p.One);
    }

    private struct AbsFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Abs(x);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Select(TS.Greater(x, p.Zero), p.One, TS.Select(TS.Less(x, p.Zero), TS.Neg(p.One), p.Zero));
    }

    private struct SqrtFn : IUnaryFunction
    {
        public static bool SlopeUsesY => true;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Sqrt(x);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Div(TS.Splat(0.5f), y);
    }

    private struct SquareFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Mul(x, x);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> => TS.Add(x, x);
    }

    /// <summary>x^e as e^(e log|x|), signed for negative x by (-1)^e (NaN for a fractional e, as Math.Pow);
    /// x^0 = 1 for every x.</summary>
    private struct PowFn : IUnaryFunction
    {
        public static bool SlopeUsesY => false;
        public static TV Value<TV, TS>(TV x, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            Power<TV, TS>(x, p.A, p.PowSign, p);
        public static TV Slope<TV, TS>(TV x, TV y, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV> =>
            TS.Mul(p.A, Power<TV, TS>(x, TS.Sub(p.A, p.One), p.SlopeSign, p));

        private static TV Power<TV, TS>(TV x, TV e, TV negativeSign, in UnaryArgs<TV> p) where TV : struct where TS : struct, ISimdMath<TV>
        {
            TV magnitude = TS.Exp(TS.Mul(e, TS.Log(TS.Abs(x))));
            TV signed = TS.Select(TS.Less(x, p.Zero), TS.Mul(magnitude, negativeSign), magnitude);
            // e = 0 gives 0 * log(0) = NaN at x = 0 above; x^0 is 1 everywhere.
            return TS.Select(TS.Greater(TS.Abs(e), p.Zero), signed, p.One);
        }
    }
}
