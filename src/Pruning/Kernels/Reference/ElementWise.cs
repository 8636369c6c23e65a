using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>Scalar definitions of the element-wise functions and their derivatives (in double, then
/// rounded once). Derivatives at kinks follow PyTorch: ReLU, Clip and HardSigmoid pass no gradient
/// exactly at a bound.</summary>
internal static class ElementWise
{
    public static float Unary(UnaryOp op, float a, float b, float xf)
    {
        double x = xf;
        double y = op switch
        {
            UnaryOp.Identity => x,
            UnaryOp.Relu => x > 0 ? x : 0,
            UnaryOp.LeakyRelu => x >= 0 ? x : a * x,
            UnaryOp.Clip => Math.Min(Math.Max(x, a), b),
            UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-x)),
            UnaryOp.HardSigmoid => Math.Min(1, Math.Max(0, a * x + b)),
            UnaryOp.HardSwish => x * Math.Min(1, Math.Max(0, x / 6 + 0.5)),
            UnaryOp.Tanh => Math.Tanh(x),
            UnaryOp.Scale => (double)a * x + b,
            UnaryOp.Exp => Math.Exp(x),
            UnaryOp.Elu => x > 0 ? x : a * (Math.Exp(x) - 1),
            // log(1 + e^x) without overflow for large x.
            UnaryOp.Softplus => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))),
            UnaryOp.Neg => -x,
            UnaryOp.Abs => Math.Abs(x),
            UnaryOp.Sqrt => Math.Sqrt(x),
            UnaryOp.Square => x * x,
            UnaryOp.Pow => Math.Pow(x, a),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
        return (float)y;
    }

    /// <summary>dy/dx at x, recomputed from x in double (the reference does not read the rounded y).</summary>
    public static float UnaryDerivative(UnaryOp op, float a, float b, float xf)
    {
        double x = xf;
        double d = op switch
        {
            UnaryOp.Identity => 1,
            UnaryOp.Relu => x > 0 ? 1 : 0,
            UnaryOp.LeakyRelu => x >= 0 ? 1 : a,
            UnaryOp.Clip => x > a && x < b ? 1 : 0,
            UnaryOp.Sigmoid => SigmoidDerivative(x),
            UnaryOp.HardSigmoid => a * x + b > 0 && a * x + b < 1 ? a : 0,
            UnaryOp.HardSwish => x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5,
            UnaryOp.Tanh => 1 - Math.Tanh(x) * Math.Tanh(x),
            UnaryOp.Scale => a,
            UnaryOp.Exp => Math.Exp(x),
            UnaryOp.Elu => x > 0 ? 1 : a * Math.Exp(x),
            UnaryOp.Softplus => 1 / (1 + Math.Exp(-x)),
            UnaryOp.Neg => -1,
            UnaryOp.Abs => x > 0 ? 1 : x < 0 ? -1 : 0,
            UnaryOp.Sqrt => 0.5 / Math.Sqrt(x),
            UnaryOp.Square => 2 * x,
            UnaryOp.Pow => a * Math.Pow(x, a - 1),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
        return (float)d;
    }

    private static double SigmoidDerivative(double x)
    {
        double s = 1 / (1 + Math.Exp(-x));
        return s * (1 - s);
    }

    public static float Binary(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Max => Math.Max(a, b),
        BinaryOp.Min => Math.Min(a, b),
        BinaryOp.PRelu => a >= 0 ? a : a * b,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    /// <summary>(dy/da, dy/db). Ties of Max/Min send the gradient to a.</summary>
    public static (double A, double B) BinaryPartials(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => (1, 1),
        BinaryOp.Sub => (1, -1),
        BinaryOp.Mul => (b, a),
        BinaryOp.Div => (1.0 / b, -(double)a / ((double)b * b)),
        BinaryOp.Max => a >= b ? (1, 0) : (0, 1),
        BinaryOp.Min => a <= b ? (1, 0) : (0, 1),
        BinaryOp.PRelu => a >= 0 ? (1, 0) : (b, a),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };
}
