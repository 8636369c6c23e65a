using Spp.Pruning.Engine;
using Spp.Pruning.Training;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Cross-entropy, distillation and their mix against double-precision formulas on the
/// network's logits, and the whole chain (loss gradient seeded, backward) against finite
/// differences of the loss itself (a smooth activation: finite differences across ReLU kinks of a
/// whole net are off by several percent).</summary>
public sealed class LossTests
{
    private const int Batch = 3, Classes = 4;
    private static readonly long[] Labels = [2, 0, 3];

    public static TheoryData<string, float> Mixes()
    {
        var data = new TheoryData<string, float>();
        foreach (var b in Backends.All.Keys)
            foreach (var alpha in new[] { 1f, 0f, 0.3f })
                data.Add(b, alpha);
        return data;
    }

    [Theory]
    [MemberData(nameof(Mixes))]
    public void Loss_and_logit_gradient_match_double_precision_formulas(string backend, float alpha)
    {
        const float T = 3;
        using var run = new EngineRun(SmallNets.ConvNet(Classes), Batch, backend);
        run.Graph.SetInput(0, SmallNets.RandomInput(Batch * 108, 1));
        using var teacher = run.K.Allocate(Batch * Classes);
        var teacherLogits = SmallNets.RandomInput(Batch * Classes, 2).Select(v => v * 3).ToArray();
        run.K.Upload(teacherLogits, teacher);
        using var loss = new ClassificationLoss(run.K, Batch, Classes, alpha, T);

        var z = run.Forward()[0];
        run.Graph.ZeroGrads();
        var result = loss.Compute(run.Graph, Labels, teacher);
        var grad = run.Read(run.Graph.Outputs[0].Grad!, Batch * Classes);

        double expectedLoss = 0;
        var expectedGrad = new double[Batch * Classes];
        int correct = 0;
        for (int i = 0; i < Batch; i++)
        {
            var row = z.AsSpan(i * Classes, Classes).ToArray().Select(v => (double)v).ToArray();
            var t = teacherLogits.AsSpan(i * Classes, Classes).ToArray().Select(v => (double)v).ToArray();
            var p = Softmax(row, 1);
            var pT = Softmax(row, T);
            var q = Softmax(t, T);
            double ce = -Math.Log(p[Labels[i]]);
            double kl = q.Select((qj, j) => qj * (Math.Log(qj) - Math.Log(pT[j]))).Sum();
            expectedLoss += (alpha * ce + (1 - alpha) * T * T * kl) / Batch;
            for (int j = 0; j < Classes; j++)
                expectedGrad[i * Classes + j] = (alpha * (p[j] - (j == Labels[i] ? 1 : 0)) + (1 - alpha) * T * (pT[j] - q[j])) / Batch;
            long truth = alpha > 0 ? Labels[i] : ArgMax(t);
            if (ArgMax(row) == truth) correct++;
        }
        Assert.Equal(expectedLoss, result.Loss, 1e-5);
        Assert.Equal(correct, result.Correct);
        Compare.Close(expectedGrad.Select(v => (float)v).ToArray(), grad, 1e-5, "dloss/dlogits");
    }

    [Theory]
    [MemberData(nameof(Mixes))]
    public void Parameter_gradients_of_the_loss_match_finite_differences(string backend, float alpha)
    {
        using var run = new EngineRun(SmallNets.ConvNet(Classes, activation: "Softplus"), Batch, backend, training: true);
        run.Graph.SetInput(0, SmallNets.RandomInput(Batch * 108, 1));
        using var teacher = run.K.Allocate(Batch * Classes);
        run.K.Upload(SmallNets.RandomInput(Batch * Classes, 2), teacher);
        using var loss = new ClassificationLoss(run.K, Batch, Classes, alpha, 2);
        run.Graph.ZeroGrads();
        run.Graph.Forward(run.Ctx);
        loss.Compute(run.Graph, Labels, teacher);
        run.Graph.Backward(run.Ctx);

        var rng = new Random(3);
        foreach (var p in run.Graph.Parameters)
        {
            var analytic = run.Read(p.Tensor.Grad!, p.Tensor.Count);
            var w = run.Read(p.Master, p.Tensor.Count);
            double scale = Math.Max(analytic.Max(Math.Abs), 1e-3);
            foreach (int i in Enumerable.Range(0, (int)p.Tensor.Count).OrderBy(_ => rng.Next()).Take(4))
            {
                double L(float v)
                {
                    var copy = (float[])w.Clone();
                    copy[i] = v;
                    run.K.Upload(copy, p.Master);
                    run.Graph.Forward(run.Ctx);
                    return loss.Compute(run.Graph, Labels, teacher, seedGradient: false).Loss;
                }
                const float h = 1e-2f;
                double fd = (L(w[i] + h) - L(w[i] - h)) / (2 * h);
                run.K.Upload(w, p.Master);
                Assert.True(Math.Abs(fd - analytic[i]) <= 1e-2 * Math.Abs(fd) + 1e-3 * scale, $"{p.Name}[{i}]: backward {analytic[i]:g5}, finite differences {fd:g5}");
            }
        }
    }

    private static double[] Softmax(double[] z, double t)
    {
        double max = z.Max(v => v / t);
        var e = z.Select(v => Math.Exp(v / t - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    private static int ArgMax(double[] v) => Array.IndexOf(v, v.Max());
}
