using Spp.Graph;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>How a case's input values are drawn. Gradient checks by finite differences need inputs
/// away from the kinks of piecewise functions, and max-like ops need no near-ties.</summary>
public enum Values
{
    /// <summary>Uniform in [Low, High], never within <see cref="OpCase.KinkMargin"/> of a kink.</summary>
    Uniform,
    /// <summary>All input elements distinct, spaced 0.025 apart (shuffled), so no max is near a tie.</summary>
    Distinct,
}

/// <summary>One single-op model for the op tests: its builder and how to feed it. <see cref="Ort"/>:
/// whether ONNX Runtime computes the same function (not for a training-mode Dropout, whose mask is ours).</summary>
public sealed record OpCase(string Name, Func<ModelBuilder, string[]> Body, long Opset = 13, Values Values = Values.Uniform,
    float Low = -1, float High = 1, float[]? Kinks = null, int Batch = 2, bool Training = false, bool Ort = true, int? GradOutputs = null, int? OrtOutputs = null)
{
    public const float KinkMargin = 0.03f;

    public Model Build()
    {
        var b = new ModelBuilder(seed: 5, opset: Opset);
        foreach (var y in Body(b)) b.Output(y);
        return b.Build();
    }

    public Dictionary<string, Tensor> Inputs(Model m, int seed)
    {
        var rng = new Random(seed);
        var inputs = m.Graph.RealInputs.ToList();
        var dims = inputs.Select(i => i.Type!.Shape!.Dims.Select((d, k) => d.Value ?? (k == 0 ? Batch : throw new InvalidOperationException())).ToArray()).ToList();
        long total = dims.Sum(Tensor.ElementCountOf);
        var pool = new Queue<float>(Values == Values.Distinct
            ? Enumerable.Range(0, (int)total).Select(i => (float)((i - total / 2.0) * 0.025)).OrderBy(_ => rng.Next())
            : Enumerable.Range(0, (int)total).Select(_ => Draw(rng)));
        return inputs.Select((v, i) => Tensor.FromFloats(v.Name, dims[i], Enumerable.Range(0, (int)Tensor.ElementCountOf(dims[i])).Select(_ => pool.Dequeue()).ToArray()))
            .ToDictionary(t => t.Name);
    }

    private float Draw(Random rng)
    {
        var kinks = Kinks ?? [0f];
        while (true)
        {
            float v = (float)(Low + rng.NextDouble() * (High - Low));
            if (kinks.All(k => Math.Abs(v - k) > KinkMargin)) return v;
        }
    }

    public override string ToString() => Name;
}
