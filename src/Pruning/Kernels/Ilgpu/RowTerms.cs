using ILGPU;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>x read through kept dims (the output row) and reduced dims (the term), both with the
/// input's strides: the general ReduceSum over any set of axes.</summary>
public struct AxesTerm : IRowTerm
{
    public ArrayView<float> X;
    public long Offset;
    public Dims6 Kept, Reduced;
    public Strides6 Strides;

    public readonly float Term(long row, long j) =>
        X[Offset + Strides.Offset(Kept.Split(row)) + Strides.Offset(Reduced.Split(j))];
}

/// <summary>Channel c of x laid out [N, C, Spatial]; term j = n * Spatial + s. With Center, the
/// squared deviation from Center[c] (the second pass of a two-pass variance).</summary>
public struct ChannelTerm : IRowTerm
{
    public ArrayView<float> X, Center;
    public int C, Spatial, Squared;

    public readonly float Term(long row, long j)
    {
        var v = X[(j / Spatial * C + row) * Spatial + j % Spatial];
        if (Squared == 0) return v;
        var d = v - Center[row];
        return d * d;
    }
}

/// <summary>dy * xhat per channel, xhat = (x - mean) * invStd: BatchNorm's gamma gradient.</summary>
public struct NormalizedDotTerm : IRowTerm
{
    public ArrayView<float> X, Dy, Mean, InvStd;
    public int C, Spatial;

    public readonly float Term(long row, long j)
    {
        var at = (j / Spatial * C + row) * Spatial + j % Spatial;
        return Dy[at] * (X[at] - Mean[row]) * InvStd[row];
    }
}

/// <summary>a[e] * b[e] over the elements e of unit u along a masked axis: e = (o * Period + u) *
/// Inner + i with j = o * Inner + i.</summary>
public struct AxisDotTerm : IRowTerm
{
    public ArrayView<float> A, B;
    public long Inner, Period;

    public readonly float Term(long row, long j)
    {
        var e = (j / Inner * Period + row) * Inner + j % Inner;
        return A[e] * B[e];
    }
}

/// <summary>Depthwise weight gradient: row = (co, kh, kw), term j = (n, oh, ow) of dy times the input
/// it multiplied.</summary>
public struct DepthwiseWeightTerm : IRowTerm
{
    public ArrayView<float> X, Dy;
    public ConvArgs P;

    public readonly float Term(long row, long j)
    {
        var kw = (int)(row % P.Kw);
        var kh = (int)(row / P.Kw % P.Kh);
        var co = row / ((long)P.Kw * P.Kh);
        var outPlane = (long)P.OutH * P.OutW;
        var n = j / outPlane;
        var o = j % outPlane;
        var oh = (int)(o / P.OutW);
        var ow = (int)(o % P.OutW);
        var ih = oh * P.StrideH - P.PadTop + kh * P.DilationH;
        var iw = ow * P.StrideW - P.PadLeft + kw * P.DilationW;
        if (ih < 0 || ih >= P.H || iw < 0 || iw >= P.W) return 0f;
        var ci = co / (P.Cout / P.Cin);
        return Dy[(n * P.Cout + co) * outPlane + o] * X[((n * P.Cin + ci) * P.H + ih) * P.W + iw];
    }
}
