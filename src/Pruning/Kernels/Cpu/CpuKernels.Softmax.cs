using System.Runtime.Intrinsics;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Softmax (rows or columns of [Outer, Axis, Inner]) and the soft-target cross-entropy, parallel over rows.</summary>
public sealed unsafe partial class CpuKernels
{
    public void Softmax(in SoftmaxDesc d, IBuffer x, IBuffer y)
    {
        long count = (long)d.Outer * d.Axis * d.Inner;
        var job = new SoftmaxJob(d, Checked(x, count), null, Checked(y, count), false);
        ForSoftmaxBlocks(d, job);
    }

    public void SoftmaxBackward(in SoftmaxDesc d, IBuffer y, IBuffer dy, IBuffer dx, bool accumulate)
    {
        long count = (long)d.Outer * d.Axis * d.Inner;
        var job = new SoftmaxJob(d, Checked(y, count), Checked(dy, count), Checked(dx, count), accumulate);
        ForSoftmaxBlocks(d, job);
    }

    /// <summary>Forward (Dy null): Out = softmax(In). Backward: Out (+)= the gradient, In being the forward's output.</summary>
    private readonly struct SoftmaxJob(in SoftmaxDesc d, float* input, float* dy, float* output, bool accumulate)
    {
        private readonly SoftmaxDesc _d = d;

        /// <summary>One row (Inner = 1) or a block of up to one vector of neighbouring columns.</summary>
        public void Run<TV, TS>(long outer, int column, int count) where TV : struct where TS : struct, ISimdMath<TV>
        {
            long at = outer * _d.Axis * _d.Inner + column;
            if (dy != null) SoftmaxLoops<TV, TS>.Backward(input + at, dy + at, output + at, _d.Axis, _d.Inner, count, _d.Log, accumulate);
            else if (_d.Inner == 1) SoftmaxLoops<TV, TS>.Row(input + at, output + at, count, _d.Log);
            else SoftmaxLoops<TV, TS>.Column(input + at, output + at, _d.Axis, _d.Inner, count, _d.Log);
        }
    }

    private void ForSoftmaxBlocks(in SoftmaxDesc d, SoftmaxJob job)
    {
        if (UsesVector512) ForSoftmaxBlocks<Vector512<float>, Simd512>(d, job);
        else ForSoftmaxBlocks<Vector256<float>, Simd256>(d, job);
    }

    private void ForSoftmaxBlocks<TV, TS>(SoftmaxDesc d, SoftmaxJob job) where TV : struct where TS : struct, ISimdMath<TV>
    {
        // Rows are blocks of their own; columns go one vector of positions per block.
        int perOuter = d.Inner == 1 ? 1 : (d.Inner + TS.Count - 1) / TS.Count;
        long blocks = (long)d.Outer * perOuter;
        long work = Math.Max(1L, (long)d.Axis * (d.Inner == 1 ? 1 : Math.Min(d.Inner, TS.Count)));
        ParallelRanges.For(blocks, DegreeOfParallelism, Math.Max(1, ElementGrain / work), (s, e) =>
        {
            for (long b = s; b < e; b++)
            {
                int column = (int)(b % perOuter) * TS.Count;
                job.Run<TV, TS>(b / perOuter, column, d.Inner == 1 ? d.Axis : Math.Min(TS.Count, d.Inner - column));
            }
        }, align: 1);
    }

    public void SoftCrossEntropy(int n, int k, float temperature, IBuffer logits, IBuffer targets, IBuffer losses, IBuffer? dlogits, float scale)
    {
        long count = (long)n * k;
        float* z = Checked(logits, count), t = Checked(targets, count), l = Checked(losses, n), dz = P(dlogits, count);
        if (UsesVector512) SoftCrossEntropy<Vector512<float>, Simd512>(n, k, temperature, z, t, l, dz, scale);
        else SoftCrossEntropy<Vector256<float>, Simd256>(n, k, temperature, z, t, l, dz, scale);
    }

    private void SoftCrossEntropy<TV, TS>(int n, int k, float temperature, float* z, float* t, float* l, float* dz, float scale)
        where TV : struct where TS : struct, ISimdMath<TV>
    {
        nint zp = (nint)z, tp = (nint)t, lp = (nint)l, dzp = (nint)dz;
        // The loss is the mean over rows, so each row's gradient carries 1 / n.
        float gradScale = scale / n;
        ParallelRanges.For(n, DegreeOfParallelism, Math.Max(1, ElementGrain / Math.Max(1, k)), (s, e) =>
        {
            for (long r = s; r < e; r++)
                ((float*)lp)[r] = SoftmaxLoops<TV, TS>.CrossEntropyRow((float*)zp + r * k, (float*)tp + r * k,
                    dzp == 0 ? null : (float*)dzp + r * k, k, temperature, gradScale);
        }, align: 1);
    }
}
