using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Reference;

/// <summary>Batch normalization, softmax and the soft-target cross-entropy, with every sum in double.</summary>
public sealed partial class ReferenceKernels
{
    public void BatchNormForward(in BatchNormDesc d, bool training, IBuffer x, IBuffer gamma, IBuffer beta,
        IBuffer runningMean, IBuffer runningVar, IBuffer saveMean, IBuffer saveInvStd, IBuffer y)
    {
        float[] X = D(x), G = D(gamma), B = D(beta), RM = D(runningMean), RV = D(runningVar), SM = D(saveMean), SI = D(saveInvStd), Y = D(y);
        long m = (long)d.N * d.Spatial;
        for (int c = 0; c < d.C; c++)
        {
            double mean, invStd;
            if (training)
            {
                double s = 0, ss = 0;
                foreach (long e in ChannelElements(d, c)) s += X[e];
                mean = s / m;
                foreach (long e in ChannelElements(d, c)) ss += (X[e] - mean) * (X[e] - mean);
                double var = ss / m;
                invStd = 1 / Math.Sqrt(var + d.Epsilon);
                SM[c] = (float)mean;
                SI[c] = (float)invStd;
                // Running variance is unbiased (PyTorch's convention, which the contract adopts).
                double unbiased = m > 1 ? ss / (m - 1) : var;
                RM[c] = (float)(d.Momentum * (double)RM[c] + (1 - (double)d.Momentum) * mean);
                RV[c] = (float)(d.Momentum * (double)RV[c] + (1 - (double)d.Momentum) * unbiased);
            }
            else
            {
                mean = RM[c];
                invStd = 1 / Math.Sqrt(RV[c] + (double)d.Epsilon);
            }
            foreach (long e in ChannelElements(d, c)) Y[e] = (float)(G[c] * (X[e] - mean) * invStd + B[c]);
        }
        if (d.Activation is { } activation) ((IKernels)this).ActivationInPlace(activation, y, d.Count);
    }

    public void BatchNormBackward(in BatchNormDesc d, IBuffer x, IBuffer dy, IBuffer gamma, IBuffer saveMean, IBuffer saveInvStd,
        IBuffer dx, IBuffer dgamma, IBuffer dbeta, bool accumulate)
    {
        float[] X = D(x), DY = D(dy), G = D(gamma), SM = D(saveMean), SI = D(saveInvStd), DX = D(dx), DG = D(dgamma), DB = D(dbeta);
        long m = (long)d.N * d.Spatial;
        for (int c = 0; c < d.C; c++)
        {
            double mean = SM[c], invStd = SI[c], sdy = 0, sdyx = 0;
            foreach (long e in ChannelElements(d, c))
            {
                sdy += DY[e];
                sdyx += DY[e] * (X[e] - mean) * invStd;
            }
            DG[c] = (float)(DG[c] + sdyx);
            DB[c] = (float)(DB[c] + sdy);
            // dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)).
            foreach (long e in ChannelElements(d, c))
            {
                double xhat = (X[e] - mean) * invStd;
                float g = (float)(G[c] * invStd / m * (m * (double)DY[e] - sdy - xhat * sdyx));
                DX[e] = accumulate ? DX[e] + g : g;
            }
        }
    }

    private static IEnumerable<long> ChannelElements(BatchNormDesc d, int c)
    {
        for (int n = 0; n < d.N; n++)
        {
            long start = ((long)n * d.C + c) * d.Spatial;
            for (long s = 0; s < d.Spatial; s++) yield return start + s;
        }
    }

    public void Softmax(in SoftmaxDesc d, IBuffer x, IBuffer y)
    {
        float[] X = D(x), Y = D(y);
        for (long o = 0; o < d.Outer; o++)
            for (long i = 0; i < d.Inner; i++)
            {
                long baseAt = o * d.Axis * d.Inner + i, step = d.Inner;
                long at(long a) => baseAt + a * step;
                double max = double.NegativeInfinity, sum = 0;
                for (long a = 0; a < d.Axis; a++) max = Math.Max(max, X[at(a)]);
                for (long a = 0; a < d.Axis; a++) sum += Math.Exp(X[at(a)] - max);
                double lse = max + Math.Log(sum);
                for (long a = 0; a < d.Axis; a++)
                    Y[at(a)] = d.Log ? (float)(X[at(a)] - lse) : (float)Math.Exp(X[at(a)] - lse);
            }
    }

    public void SoftmaxBackward(in SoftmaxDesc d, IBuffer y, IBuffer dy, IBuffer dx, bool accumulate)
    {
        float[] Y = D(y), DY = D(dy), DX = D(dx);
        for (long o = 0; o < d.Outer; o++)
            for (long i = 0; i < d.Inner; i++)
            {
                long baseAt = o * d.Axis * d.Inner + i, step = d.Inner;
                long at(long a) => baseAt + a * step;
                // softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - e^y sum(dy).
                double s = 0;
                for (long a = 0; a < d.Axis; a++) s += d.Log ? DY[at(a)] : (double)DY[at(a)] * Y[at(a)];
                for (long a = 0; a < d.Axis; a++)
                {
                    long k = at(a);
                    float g = d.Log ? (float)(DY[k] - Math.Exp(Y[k]) * s) : (float)(Y[k] * (DY[k] - s));
                    DX[k] = accumulate ? DX[k] + g : g;
                }
            }
    }

    public void SoftCrossEntropy(int n, int k, float temperature, IBuffer logits, IBuffer targets, IBuffer losses, IBuffer? dlogits, float scale)
    {
        float[] Z = D(logits), T = D(targets), L = D(losses);
        float[]? DZ = dlogits is null ? null : D(dlogits);
        var logp = new double[k];
        for (int r = 0; r < n; r++)
        {
            long row = (long)r * k;
            double max = double.NegativeInfinity, sum = 0, loss = 0, tsum = 0;
            for (int j = 0; j < k; j++) max = Math.Max(max, Z[row + j] / (double)temperature);
            for (int j = 0; j < k; j++) sum += Math.Exp(Z[row + j] / (double)temperature - max);
            for (int j = 0; j < k; j++)
            {
                logp[j] = Z[row + j] / (double)temperature - max - Math.Log(sum);
                loss -= T[row + j] * logp[j];
                tsum += T[row + j];
            }
            L[r] = (float)loss;
            if (DZ is null) continue;
            // d loss_r / d z_j = (sum(t) p_j - t_j) / T; the mean over rows divides by n.
            for (int j = 0; j < k; j++)
                DZ[row + j] = (float)(scale * (tsum * Math.Exp(logp[j]) - T[row + j]) / (temperature * (double)n));
        }
    }
}
