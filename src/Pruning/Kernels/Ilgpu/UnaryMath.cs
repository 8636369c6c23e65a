using ILGPU.Algorithms;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>The element-wise functions of <see cref="UnaryOp"/> and their derivatives (no gradient
/// exactly at a bound of ReLU, Clip and HardSigmoid, as in PyTorch), written with
/// XMath so that the same code compiles into ILGPU kernels for every accelerator.</summary>
public static class UnaryMath
{
    public static float Forward(int op, float a, float b, float x)
    {
        switch ((UnaryOp)op)
        {
            case UnaryOp.Identity: return x;
            case UnaryOp.Relu: return x > 0f ? x : 0f;
            case UnaryOp.LeakyRelu: return x >= 0f ? x : a * x;
            case UnaryOp.Clip: return XMath.Min(XMath.Max(x, a), b);
            case UnaryOp.Sigmoid: return Sigmoid(x);
            case UnaryOp.HardSigmoid: return XMath.Clamp(a * x + b, 0f, 1f);
            case UnaryOp.HardSwish: return x * XMath.Clamp(x / 6f + 0.5f, 0f, 1f);
            case UnaryOp.Tanh: return XMath.Tanh(x);
            case UnaryOp.Scale: return a * x + b;
            case UnaryOp.Exp: return XMath.Exp(x);
            case UnaryOp.Elu: return x > 0f ? x : a * (XMath.Exp(x) - 1f);
            case UnaryOp.Softplus: return Softplus(x);
            case UnaryOp.Neg: return -x;
            case UnaryOp.Abs: return XMath.Abs(x);
            case UnaryOp.Sqrt: return XMath.Sqrt(x);
            case UnaryOp.Square: return x * x;
            default: return XMath.Pow(x, a);
        }
    }

    /// <summary>f'(x); y = f(x) is used where it is the cheaper form.</summary>
    public static float Derivative(int op, float a, float b, float x, float y)
    {
        switch ((UnaryOp)op)
        {
            case UnaryOp.Identity: return 1f;
            case UnaryOp.Relu: return x > 0f ? 1f : 0f;
            case UnaryOp.LeakyRelu: return x >= 0f ? 1f : a;
            case UnaryOp.Clip: return x > a && x < b ? 1f : 0f;
            case UnaryOp.Sigmoid: return y * (1f - y);
            case UnaryOp.HardSigmoid: { var t = a * x + b; return t > 0f && t < 1f ? a : 0f; }
            case UnaryOp.HardSwish: return x < -3f ? 0f : x > 3f ? 1f : (2f * x + 3f) / 6f;
            case UnaryOp.Tanh: return 1f - y * y;
            case UnaryOp.Scale: return a;
            case UnaryOp.Exp: return y;
            case UnaryOp.Elu: return x > 0f ? 1f : y + a;
            case UnaryOp.Softplus: return Sigmoid(x);
            case UnaryOp.Neg: return -1f;
            case UnaryOp.Abs: return x > 0f ? 1f : x < 0f ? -1f : 0f;
            case UnaryOp.Sqrt: return 0.5f / y;
            case UnaryOp.Square: return 2f * x;
            default: return a * XMath.Pow(x, a - 1f);
        }
    }

    static float Sigmoid(float x) => 1f / (1f + XMath.Exp(-x));

    /// <summary>log(1 + e^x) without overflow for large x.</summary>
    static float Softplus(float x) => XMath.Max(x, 0f) + XMath.Log(1f + XMath.Exp(-XMath.Abs(x)));
}
