using System.Runtime.Intrinsics;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Batch normalization in two sweeps: per-channel statistics, parallel over channels (each channel's sums are
/// one thread's, in a fixed order), into per-channel coefficients; then the element-wise pass in memory
/// order, parallel over (n, c) planes, each plane with its channel's coefficients (a plane-order sweep
/// streams better than a channel's runs, which are Spatial floats apart by C * Spatial). When a plane is
/// one block of the statistics (small maps, whose short runs a channel-order walk reads at memory latency),
/// the statistics' partial sums are taken plane by plane in memory order too and merged per channel in
/// image order: the same sums in the same order, so the same results. A fused activation is applied as each plane is
/// written; its backward is the interface's default (the activation's in-place pass over dy, then BN's): fusing that
/// too, with the pre-activation values recomputed from x, measured no faster here.
/// </summary>
public sealed unsafe partial class CpuKernels
{
    public void BatchNormForward(in BatchNormDesc d, bool training, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y) =>
        BatchNormForward(d, training, Pointers(d, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y), null);

    /// <summary>
    /// Training mode with the per-plane moments of x already taken (<see cref="ConvForwardWithPlaneMoments"/>, as the
    /// convolution wrote x): the statistics are merged from them instead of read back from memory; the same bits.
    /// </summary>
    public void BatchNormForwardWithPlaneMoments(in BatchNormDesc d, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y, IBuffer moments) =>
        BatchNormForward(d, true, Pointers(d, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y),
            PlaneOrderStatistics(d) ? (double*)Checked(moments, 4L * d.N * d.C) : null);

    private BatchNormPointers Pointers(in BatchNormDesc d, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y) => new()
    {
        X = Checked(x, d.Count), Gamma = Checked(gamma, d.C), Beta = Checked(beta, d.C), RunningMean = Checked(runningMean, d.C),
        RunningVar = Checked(runningVar, d.C), SaveMean = Checked(saveMean, d.C), SaveInvStd = Checked(saveInvStd, d.C), Y = Checked(y, d.Count),
    };

    /// <summary>The forward with the fused activation (Identity: none) dispatched as a type.</summary>
    private void BatchNormForward(in BatchNormDesc d, bool training, BatchNormPointers p, double* givenMoments)
    {
        var job = new ForwardJob(this, d, training, p, givenMoments);
        UnaryFunctions.Dispatch(d.Activation?.Op ?? UnaryOp.Identity, ref job);
    }

    /// <summary>The forward once the fused activation (Identity: none) is known as a type.</summary>
    private readonly struct ForwardJob(CpuKernels k, BatchNormDesc d, bool training, BatchNormPointers p, double* givenMoments) : IUnaryVisitor
    {
        public void Visit<TF>() where TF : struct, IUnaryFunction
        {
            if (UsesVector512) k.BatchNormForward<TF, Vector512<float>, Simd512>(d, training, p, givenMoments);
            else k.BatchNormForward<TF, Vector256<float>, Simd256>(d, training, p, givenMoments);
        }
    }

    private struct BatchNormPointers
    {
        public float* X, Gamma, Beta, RunningMean, RunningVar, SaveMean, SaveInvStd, Y;
    }

    private void BatchNormForward<TF, TV, TS>(BatchNormDesc d, bool training, BatchNormPointers p, double* givenMoments)
        where TF : struct, IUnaryFunction where TV : struct where TS : struct, ISimdMath<TV>
    {
        long m = (long)d.N * d.Spatial;
        // Per channel: mean, scale, shift.
        float* coefficients = _scratch.Get(KernelScratchSlot.BatchNormCoefficients, 3L * d.C);
        double* planeSums = training && PlaneOrderStatistics(d) ? givenMoments != null ? givenMoments : InputPlaneMoments(d, p.X) : null;
        ForChannels(d, c =>
        {
            var ch = ChannelOf(d, c);
            double mean, invStd;
            if (training)
            {
                (mean, double ss) = planeSums != null ? MergeMoments(d, planeSums, c) : BatchNormLoops<TV, TS>.Moments(p.X, ch);
                invStd = 1 / Math.Sqrt(ss / m + d.Epsilon);
                p.SaveMean[c] = (float)mean;
                p.SaveInvStd[c] = (float)invStd;
                // Running variance is unbiased (PyTorch's convention, which the contract adopts).
                double unbiased = m > 1 ? ss / (m - 1) : ss / m;
                p.RunningMean[c] = (float)(d.Momentum * (double)p.RunningMean[c] + (1 - (double)d.Momentum) * mean);
                p.RunningVar[c] = (float)(d.Momentum * (double)p.RunningVar[c] + (1 - (double)d.Momentum) * unbiased);
            }
            else
            {
                mean = p.RunningMean[c];
                invStd = 1 / Math.Sqrt(p.RunningVar[c] + (double)d.Epsilon);
            }
            (coefficients[c], coefficients[d.C + c], coefficients[2 * d.C + c]) = ((float)mean, (float)(p.Gamma[c] * invStd), p.Beta[c]);
        });
        var args = UnaryArgs<TV>.Create<TS>(d.Activation?.A ?? 0f, d.Activation?.B ?? 0f);
        bool activated = d.Activation is not null;
        ForPlanes(d, (plane, c) =>
        {
            long at = plane * d.Spatial;
            float mean = coefficients[c], scale = coefficients[d.C + c], shift = coefficients[2 * d.C + c];
            if (activated) BatchNormLoops<TV, TS>.NormalizeActivated<TF>(p.X + at, p.Y + at, d.Spatial, mean, scale, shift, args);
            else BatchNormLoops<TV, TS>.Normalize(p.X + at, p.Y + at, d.Spatial, mean, scale, shift);
        });
    }

    public void BatchNormBackward(in BatchNormDesc d, IBuffer x, IBuffer dy, IBuffer gamma, IBuffer saveMean, IBuffer saveInvStd,
        IBuffer dx, IBuffer dgamma, IBuffer dbeta, bool accumulate)
    {
        long count = (long)d.N * d.C * d.Spatial;
        var p = new BatchNormGradients
        {
            X = Checked(x, count), Dy = Checked(dy, count), Gamma = Checked(gamma, d.C), SaveMean = Checked(saveMean, d.C),
            SaveInvStd = Checked(saveInvStd, d.C), Dx = Checked(dx, count), DGamma = Checked(dgamma, d.C), DBeta = Checked(dbeta, d.C),
        };
        if (UsesVector512) BatchNormBackward<Vector512<float>, Vector512<double>, Simd512>(d, p, accumulate);
        else BatchNormBackward<Vector256<float>, Vector256<double>, Simd256>(d, p, accumulate);
    }

    private struct BatchNormGradients
    {
        public float* X, Dy, Gamma, SaveMean, SaveInvStd, Dx, DGamma, DBeta;
    }

    private void BatchNormBackward<TV, TD, TS>(BatchNormDesc d, BatchNormGradients p, bool accumulate)
        where TV : struct where TD : struct where TS : struct, IWideSimd<TV, TD>
    {
        long m = (long)d.N * d.Spatial;
        // Per channel, in double: a, b, k, mean.
        double* coefficients = (double*)_scratch.Get(KernelScratchSlot.BatchNormCoefficients, 8L * d.C);
        double* planeSums = PlaneOrderStatistics(d) ? PlaneGradientSums<TV, TD, TS>(d, p) : null;
        ForChannels(d, c =>
        {
            var ch = ChannelOf(d, c);
            float mean = p.SaveMean[c];
            double invStd = p.SaveInvStd[c], g = p.Gamma[c];
            var (sdy, sdyCentered) = planeSums != null ? MergeGradientSums(d, planeSums, c) : BatchNormLoops<TV, TS>.GradientSums(p.X, p.Dy, ch, mean);
            double sdyx = sdyCentered * invStd;
            p.DGamma[c] = (float)(p.DGamma[c] + sdyx);
            p.DBeta[c] = (float)(p.DBeta[c] + sdy);
            // dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), xhat = (x - mean) * invStd,
            // as a dy + b (x - mean) + k in double lanes (see WideLoops: its channel sum must cancel).
            (coefficients[c], coefficients[d.C + c]) = (g * invStd, -g * invStd * invStd * sdyx / m);
            (coefficients[2 * d.C + c], coefficients[3 * d.C + c]) = (-g * invStd * sdy / m, mean);
        });
        ForPlanes(d, (plane, c) =>
        {
            long at = plane * d.Spatial;
            WideLoops<TV, TD, TS>.BatchNormInputGradient(p.X + at, p.Dy + at, p.Dx + at, d.Spatial, coefficients[3 * d.C + c],
                coefficients[c], coefficients[d.C + c], coefficients[2 * d.C + c], accumulate);
        });
    }

    /// <summary>Each (n, c) plane is one block of the statistics, and there are several images to merge.</summary>
    private static bool PlaneOrderStatistics(in BatchNormDesc d) => PlaneMoments.Apply(d.N, d.Spatial);

    /// <summary>Per plane, in memory order: (block mean, block sum of squared deviations), two doubles at 2 * plane.</summary>
    private double* InputPlaneMoments(in BatchNormDesc d, float* x)
    {
        double* sums = (double*)_scratch.Get(KernelScratchSlot.BatchNormPlaneSums, 4L * d.N * d.C);
        nint xp = (nint)x, sp = (nint)sums;
        int spatial = d.Spatial;
        ForPlanes(d, (plane, _) => PlaneMoments.Write((float*)xp + plane * spatial, 1, spatial, (double*)sp + 2 * plane));
        return sums;
    }

    private static (double Mean, double M2) MergeMoments(in BatchNormDesc d, double* sums, int c)
    {
        var merged = new BatchNormBlocks.MomentsMerge();
        for (int n = 0; n < d.N; n++)
        {
            long plane = (long)n * d.C + c;
            merged.Add(sums[2 * plane], sums[2 * plane + 1], d.Spatial);
        }
        return (merged.Mean, merged.M2);
    }

    /// <summary>Per plane, in memory order: (sum of dy, sum of dy * (x - mean)), two doubles at 2 * plane.</summary>
    private double* PlaneGradientSums<TV, TD, TS>(in BatchNormDesc d, BatchNormGradients p)
        where TV : struct where TD : struct where TS : struct, IWideSimd<TV, TD>
    {
        double* sums = (double*)_scratch.Get(KernelScratchSlot.BatchNormPlaneSums, 4L * d.N * d.C);
        nint sp = (nint)sums;
        int spatial = d.Spatial;
        ForPlanes(d, (plane, c) =>
        {
            long at = plane * spatial;
            var (dy, dyCentered) = BatchNormLoops<TV, TS>.BlockGradientSums(p.X + at, p.Dy + at, spatial, p.SaveMean[c]);
            ((double*)sp)[2 * plane] = dy;
            ((double*)sp)[2 * plane + 1] = dyCentered;
        });
        return sums;
    }

    private static (double Dy, double DyCentered) MergeGradientSums(in BatchNormDesc d, double* sums, int c)
    {
        double dy = 0, dyCentered = 0;
        for (int n = 0; n < d.N; n++)
        {
            long plane = (long)n * d.C + c;
            dy += sums[2 * plane];
            dyCentered += sums[2 * plane + 1];
        }
        return (dy, dyCentered);
    }

    private static ChannelRuns ChannelOf(in BatchNormDesc d, int c) =>
        new((long)c * d.Spatial, (long)d.C * d.Spatial, d.N, d.Spatial);

    /// <summary>body(plane, channel) for every (n, c) plane, in memory order, split between the threads.</summary>
    private void ForPlanes(in BatchNormDesc d, Action<long, int> body)
    {
        int channels = d.C;
        ParallelRanges.For((long)d.N * d.C, DegreeOfParallelism, Math.Max(1, ElementGrain / Math.Max(1, d.Spatial)), (s, e) =>
        {
            for (long plane = s; plane < e; plane++) body(plane, (int)(plane % channels));
        }, align: 1);
    }

    private void ForChannels(in BatchNormDesc d, Action<int> body)
    {
        long perChannel = Math.Max(1L, (long)d.N * d.Spatial);
        ParallelRanges.For(d.C, DegreeOfParallelism, Math.Max(1, ElementGrain / perChannel), (s, e) =>
        {
            for (long c = s; c < e; c++) body((int)c);
        }, align: 1);
    }
}
