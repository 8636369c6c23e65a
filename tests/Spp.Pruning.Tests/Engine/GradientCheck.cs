using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Engine;

/// <summary>Central finite differences of L = sum over outputs of r * y (r fixed random) against the
/// backward pass, for graph inputs (when they have gradients) and parameters. Outputs past
/// <c>differentiableOutputs</c> get r = 0.</summary>
public static class GradientCheck
{
    public static void Run(EngineRun run, string what, double step, int maxPerTensor, int? differentiableOutputs = null, double relative = 1e-2, double absolute = 2e-3)
    {
        var outs = run.Forward();
        var rng = new Random(17);
        var seeds = outs.Select((o, k) => o.Select(_ => k < (differentiableOutputs ?? outs.Count) ? (float)(rng.NextDouble() * 2 - 1) : 0f).ToArray()).ToList();
        run.Backward(seeds);

        var targets = run.Graph.Inputs.Where(t => t.Grad is not null).Select(t => (t.Name, Tensor: t, Values: t.Data))
            .Concat(run.Graph.Parameters.Select(p => (p.Name, p.Tensor, Values: p.Master))).ToList();
        Assert.NotEmpty(targets);
        foreach (var (name, t, buffer) in targets)
        {
            var analytic = run.Read(t.Grad!, t.Count);
            var values = run.Read(buffer, t.Count);
            var picks = Enumerable.Range(0, (int)t.Count).OrderBy(_ => rng.Next()).Take(maxPerTensor).ToList();
            double scale = Math.Max(analytic.Max(v => Math.Abs(v)), 1e-2);
            foreach (int i in picks)
            {
                float original = values[i];
                double Loss(double delta)
                {
                    values[i] = (float)(original + delta);
                    run.K.Upload(values, buffer);
                    var y = run.Forward();
                    double l = 0;
                    for (int o = 0; o < y.Count; o++)
                        for (int e = 0; e < y[o].Length; e++) l += (double)seeds[o][e] * y[o][e];
                    return l;
                }
                double fd = (Loss(step) - Loss(-step)) / (2 * step);
                values[i] = original;
                run.K.Upload(values, buffer);
                double an = analytic[i];
                Assert.True(Math.Abs(fd - an) <= relative * Math.Max(Math.Abs(fd), Math.Abs(an)) + absolute * scale,
                    $"{what}: d/d {name}[{i}] backward {an:g5}, finite differences {fd:g5}");
            }
        }
    }
}
