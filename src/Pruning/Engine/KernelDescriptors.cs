namespace Spp.Pruning.Engine;

/// <summary>Row-major GEMM, batched: for each of <see cref="Batch"/> problems,
/// C[b] = Alpha * op(A[b]) * op(B[b]) + Beta * C[b], where op transposes when asked. Offsets and
/// batch strides are in elements; a batch stride of 0 reuses one matrix for every problem.</summary>
public readonly record struct GemmDesc(
    bool TransA, bool TransB, int M, int N, int K, float Alpha, float Beta,
    long OffsetA, int Lda, long StrideA,
    long OffsetB, int Ldb, long StrideB,
    long OffsetC, int Ldc, long StrideC,
    int Batch = 1);

/// <summary>2-d convolution over NCHW with weights [Cout, Cin/Groups, Kh, Kw] (any stride,
/// asymmetric padding, dilation, groups; depthwise when Groups = Cin).</summary>
public readonly record struct ConvDesc(
    int N, int Cin, int H, int W, int Cout, int Kh, int Kw,
    int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW, int Groups)
{
    public int OutH => (H + PadTop + PadBottom - ((Kh - 1) * DilationH + 1)) / StrideH + 1;
    public int OutW => (W + PadLeft + PadRight - ((Kw - 1) * DilationW + 1)) / StrideW + 1;
}

/// <summary>Element-wise functions of one input. Parameters: LeakyRelu (A = alpha), Clip (A = min,
/// B = max), HardSigmoid (A = alpha, B = beta), Scale (y = A * x + B), Elu (A = alpha), Pow
/// (y = x^A).</summary>
public enum UnaryOp
{
    Identity, Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Scale, Exp, Elu, Softplus, Neg, Abs, Sqrt, Square, Pow,
}

/// <summary>An element-wise activation with its parameters (those of <see cref="IKernels.Unary"/>).</summary>
public readonly record struct Activation(UnaryOp Op, float A, float B);

/// <summary>Element-wise functions of two broadcast inputs. PRelu: y = a >= 0 ? a : a * b.</summary>
public enum BinaryOp { Add, Sub, Mul, Div, Max, Min, PRelu }

/// <summary>Multidirectional broadcast of two operands to an output, all given with the output's
/// rank (size-1 dims broadcast). At most <see cref="MaxRank"/> dims.</summary>
public readonly record struct BroadcastDesc(int[] OutShape, int[] AShape, int[] BShape)
{
    public const int MaxRank = 6;
    public long Count => OutShape.Aggregate(1L, (p, d) => p * d);
}

/// <summary>An N-d strided copy: for every index i of <see cref="Shape"/>,
/// dst[DstOffset + sum i_k DstStrides_k] (=|+=) src[SrcOffset + sum i_k SrcStrides_k]. Stride 0 on
/// the source broadcasts; every destination element is written by exactly one index (no stride 0
/// on the destination). Covers Transpose, Slice, Concat, Split, Pad, Expand and their gradients.</summary>
public readonly record struct StridedDesc(int[] Shape, long SrcOffset, long[] SrcStrides, long DstOffset, long[] DstStrides)
{
    public long Count => Shape.Aggregate(1L, (p, d) => p * d);
}

/// <summary>Sum over the axes where <see cref="OutShape"/> is 1 and <see cref="InShape"/> is not
/// (same rank), times Scale: ReduceSum/ReduceMean, global average pooling, gradients of broadcasts.</summary>
public readonly record struct ReduceDesc(int[] InShape, int[] OutShape, float Scale);

/// <summary>BatchNormalization over [N, C, Spatial] (Spatial = product of trailing dims), optionally followed by an
/// activation that runs in place (ReLU, Clip) fused into it: the output is then the activation's, and
/// <see cref="IKernels.BatchNormActivationBackward"/> takes that output's gradient. Null (the default) is plain BN.</summary>
public readonly record struct BatchNormDesc(int N, int C, int Spatial, float Epsilon, float Momentum, Activation? Activation = null)
{
    public long Count => (long)N * C * Spatial;
}

public enum PoolKind { Max, Average }

/// <summary>2-d pooling over NCHW. Average counts padding when CountIncludePad.</summary>
public readonly record struct PoolDesc(
    PoolKind Kind, int N, int C, int H, int W, int Kh, int Kw, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight, int OutH, int OutW, bool CountIncludePad, int DilationH = 1, int DilationW = 1);

/// <summary>Softmax along the middle axis of [Outer, Axis, Inner].</summary>
public readonly record struct SoftmaxDesc(int Outer, int Axis, int Inner, bool Log);

/// <summary>One SGD step over a parameter of Count elements: g = grad + WeightDecay * w;
/// v = Momentum * v + g; w -= Lr * (Nesterov ? g + Momentum * v : v). Elements frozen by an axis
/// mask (see <see cref="AxisMask"/>) keep their value and momentum (spp-spec.md 3.4).</summary>
public readonly record struct SgdDesc(long Count, float Lr, float Momentum, float WeightDecay, bool Nesterov);

/// <summary>A 0/1 mask over one axis of a tensor: element e is governed by
/// Mask[(e / Inner) % Period], where Period is the axis length and Inner the number of elements
/// after the axis. Gates consumer weights (channel gating) and freezes masked slices in the optimizer.</summary>
public readonly record struct AxisMask(IBuffer Mask, long Inner, long Period);
