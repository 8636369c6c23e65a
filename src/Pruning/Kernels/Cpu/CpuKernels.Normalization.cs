using System.Runtime.Intrinsics;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Batch normalization, parallel over channels (each channel's statistics are one thread's, in a fixed order).</summary>
public sealed unsafe partial class CpuKernels
{
    public void BatchNormForward(in BatchNormDesc d, bool training, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y)
    {
        long count = (long)d.N * d.C * d.Spatial;
        var p = new BatchNormPointers
        {
            X = Checked(x, count), Gamma = Checked(gamma, d.C), Beta = Checked(beta, d.C), RunningMean = Checked(runningMean, d.C),
            RunningVar = Checked(runningVar, d.C), SaveMean = Checked(saveMean, d.C), SaveInvStd = Checked(saveInvStd, d.C), Y = Checked(y, count),
        };
        if (UsesVector512) BatchNormForward<Vector512<float>, Simd512>(d, training, p);
        else BatchNormForward<Vector256<float>, Simd256>(d, training, p);
    }

    private struct BatchNormPointers
    {
        public float* X, Gamma, Beta, RunningMean, RunningVar, SaveMean, SaveInvStd, Y;
    }

    private void BatchNormForward<TV, TS>(BatchNormDesc d, bool training, BatchNormPointers p) where TV : struct where TS : struct, ISimdMath<TV>
    {
        long m = (long)d.N * d.Spatial;
        ForChannels(d, c =>
        {
            var ch = ChannelOf(d, c);
            double mean, invStd;
            if (training)
            {
                (mean, double ss) = BatchNormLoops<TV, TS>.Moments(p.X, ch);
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
            BatchNormLoops<TV, TS>.Normalize(p.X, p.Y, ch, (float)mean, (float)(p.Gamma[c] * invStd), p.Beta[c]);
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
        ForChannels(d, c =>
        {
            var ch = ChannelOf(d, c);
            float mean = p.SaveMean[c];
            double invStd = p.SaveInvStd[c], g = p.Gamma[c];
            var (sdy, sdyCentered) = BatchNormLoops<TV, TS>.GradientSums(p.X, p.Dy, ch, mean);
            double sdyx = sdyCentered * invStd;
            p.DGamma[c] = (float)(p.DGamma[c] + sdyx);
            p.DBeta[c] = (float)(p.DBeta[c] + sdy);
            // dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), xhat = (x - mean) * invStd,
            // in double lanes (see WideLoops: its channel sum must cancel).
            double a = g * invStd, b = -g * invStd * invStd * sdyx / m, k = -g * invStd * sdy / m;
            for (int n = 0; n < ch.Runs; n++)
            {
                long at = ch.First + n * ch.Step;
                WideLoops<TV, TD, TS>.BatchNormInputGradient(p.X + at, p.Dy + at, p.Dx + at, ch.Length, mean, a, b, k, accumulate);
            }
        });
    }

    private static ChannelRuns ChannelOf(in BatchNormDesc d, int c) =>
        new((long)c * d.Spatial, (long)d.C * d.Spatial, d.N, d.Spatial);

    private void ForChannels(in BatchNormDesc d, Action<int> body)
    {
        long perChannel = Math.Max(1L, (long)d.N * d.Spatial);
        ParallelRanges.For(d.C, DegreeOfParallelism, Math.Max(1, ElementGrain / perChannel), (s, e) =>
        {
            for (long c = s; c < e; c++) body((int)c);
        }, align: 1);
    }
}
