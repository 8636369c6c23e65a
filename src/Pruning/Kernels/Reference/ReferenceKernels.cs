using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>
/// The reference backend: plain scalar loops over float arrays, single-threaded, sums accumulated in
/// double. Written to be obviously correct rather than fast; it is the independent reference the
/// fast CPU backend and the ILGPU backend are tested against, and it runs the op tests.
/// </summary>
public sealed partial class ReferenceKernels : IKernels
{
    public string Name => "reference";

    public IBuffer Allocate(long length) => new ReferenceBuffer(length);

    public void Upload(ReadOnlySpan<float> source, IBuffer destination, long offset = 0) =>
        source.CopyTo(D(destination).AsSpan(checked((int)offset)));

    public void Download(IBuffer source, Span<float> destination, long offset = 0) =>
        D(source).AsSpan(checked((int)offset), destination.Length).CopyTo(destination);

    public void Fill(IBuffer destination, float value, long offset, long count) =>
        D(destination).AsSpan(checked((int)offset), checked((int)count)).Fill(value);

    // Every call completes before it returns.
    public void Synchronize() { }

    public void Dispose() { }

    internal static float[] D(IBuffer b) => b is ReferenceBuffer r ? r.Data
        : throw new ArgumentException($"buffer of another backend ({b.GetType().Name}) given to the reference backend");

    public void Gemm(in GemmDesc d, IBuffer a, IBuffer b, IBuffer c)
    {
        float[] A = D(a), B = D(b), C = D(c);
        for (int p = 0; p < d.Batch; p++)
        {
            long oa = d.OffsetA + p * d.StrideA, ob = d.OffsetB + p * d.StrideB, oc = d.OffsetC + p * d.StrideC;
            for (int i = 0; i < d.M; i++)
                for (int j = 0; j < d.N; j++)
                {
                    double s = 0;
                    for (int k = 0; k < d.K; k++)
                    {
                        float av = d.TransA ? A[oa + (long)k * d.Lda + i] : A[oa + (long)i * d.Lda + k];
                        float bv = d.TransB ? B[ob + (long)j * d.Ldb + k] : B[ob + (long)k * d.Ldb + j];
                        s += (double)av * bv;
                    }
                    long ci = oc + (long)i * d.Ldc + j;
                    // Beta = 0 overwrites, so whatever C held (even NaN) does not leak into the result.
                    C[ci] = d.Beta == 0 ? (float)(d.Alpha * s) : (float)(d.Alpha * s + (double)d.Beta * C[ci]);
                }
        }
    }

    public void Unary(UnaryOp op, float a, float b, IBuffer x, IBuffer y, long count)
    {
        float[] X = D(x), Y = D(y);
        for (long i = 0; i < count; i++) Y[i] = ElementWise.Unary(op, a, b, X[i]);
    }

    public void UnaryBackward(UnaryOp op, float a, float b, IBuffer x, IBuffer y, IBuffer dy, IBuffer dx, long count, bool accumulate)
    {
        float[] X = D(x), DY = D(dy), DX = D(dx);
        for (long i = 0; i < count; i++)
        {
            float g = DY[i] * ElementWise.UnaryDerivative(op, a, b, X[i]);
            DX[i] = accumulate ? DX[i] + g : g;
        }
    }

    public void Binary(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y)
    {
        float[] A = D(a), B = D(b), Y = D(y);
        long[] sa = Strides.Broadcast(d.AShape), sb = Strides.Broadcast(d.BShape);
        for (long e = 0; e < d.Count; e++)
            Y[e] = ElementWise.Binary(op, A[Strides.Offset(e, d.OutShape, sa)], B[Strides.Offset(e, d.OutShape, sb)]);
    }

    public void BinaryBackward(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer dy, IBuffer? da, IBuffer? db)
    {
        float[] A = D(a), B = D(b), DY = D(dy);
        long[] sa = Strides.Broadcast(d.AShape), sb = Strides.Broadcast(d.BShape);
        var ga = new double[Strides.Count(d.AShape)];
        var gb = new double[Strides.Count(d.BShape)];
        for (long e = 0; e < d.Count; e++)
        {
            long ia = Strides.Offset(e, d.OutShape, sa), ib = Strides.Offset(e, d.OutShape, sb);
            var (pa, pb) = ElementWise.BinaryPartials(op, A[ia], B[ib]);
            ga[ia] += (double)DY[e] * pa;
            gb[ib] += (double)DY[e] * pb;
        }
        if (da is not null) AddInto(D(da), ga);
        if (db is not null) AddInto(D(db), gb);
    }

    private static void AddInto(float[] target, double[] sums)
    {
        for (int i = 0; i < sums.Length; i++) target[i] = (float)(target[i] + sums[i]);
    }

    public void StridedCopy(in StridedDesc d, IBuffer source, IBuffer destination, bool accumulate)
    {
        float[] S = D(source), T = D(destination);
        for (long e = 0; e < d.Count; e++)
        {
            long si = d.SrcOffset + Strides.Offset(e, d.Shape, d.SrcStrides);
            long ti = d.DstOffset + Strides.Offset(e, d.Shape, d.DstStrides);
            T[ti] = accumulate ? T[ti] + S[si] : S[si];
        }
    }

    public void Reduce(in ReduceDesc d, IBuffer x, IBuffer y, bool accumulate)
    {
        float[] X = D(x), Y = D(y);
        long[] so = Strides.Broadcast(d.OutShape);
        var sums = new double[Strides.Count(d.OutShape)];
        long n = Strides.Count(d.InShape);
        for (long e = 0; e < n; e++) sums[Strides.Offset(e, d.InShape, so)] += X[e];
        for (int i = 0; i < sums.Length; i++)
        {
            float v = (float)(sums[i] * d.Scale);
            Y[i] = accumulate ? Y[i] + v : v;
        }
    }

    public void ApplyMask(in AxisMask m, IBuffer x, IBuffer y, long count)
    {
        float[] X = D(x), Y = D(y), M = D(m.Mask);
        for (long e = 0; e < count; e++) Y[e] = X[e] * M[e / m.Inner % m.Period];
    }

    public void AxisDot(in AxisMask m, IBuffer a, IBuffer b, IBuffer sums, long count)
    {
        float[] A = D(a), B = D(b), S = D(sums);
        var acc = new double[m.Period];
        for (long e = 0; e < count; e++) acc[e / m.Inner % m.Period] += (double)A[e] * B[e];
        AddInto(S, acc);
    }

    public void RandomMask(IBuffer mask, long count, float keep, ulong seed, ulong offset)
    {
        float[] M = D(mask);
        for (long i = 0; i < count; i++) M[i] = CounterRandom.Uniform(seed, offset + (ulong)i) < keep ? 1 / keep : 0;
    }

    public void Sgd(in SgdDesc d, IBuffer weights, IBuffer grad, IBuffer velocity, IReadOnlyList<AxisMask> freeze)
    {
        float[] W = D(weights), G = D(grad), V = D(velocity);
        var masks = freeze.Select(f => (M: D(f.Mask), f.Inner, f.Period)).ToArray();
        for (long e = 0; e < d.Count; e++)
        {
            bool frozen = false;
            foreach (var (m, inner, period) in masks) frozen |= m[e / inner % period] == 0;
            if (frozen) continue;
            float g = G[e] + d.WeightDecay * W[e];
            float v = d.Momentum * V[e] + g;
            V[e] = v;
            W[e] -= d.Lr * (d.Nesterov ? g + d.Momentum * v : v);
        }
    }
}
