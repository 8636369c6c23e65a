using Spp.Graph;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Engine;

/// <summary>A model bound to a backend as a training graph, with helpers to set inputs, run forward
/// and backward and read tensors. <see cref="WithInputGradients"/> also gives graph inputs and every
/// node output a gradient, so a test can check the gradient of each op input, not only of
/// parameters.</summary>
public sealed class EngineRun : IDisposable
{
    private readonly List<IBuffer> _extra = [];

    public IKernels K { get; }
    public TrainingGraph Graph { get; }
    public ExecContext Ctx { get; }

    public EngineRun(Model model, int batch, string backend, bool training = false, ulong seed = 1)
    {
        K = Backends.Create(backend);
        Graph = TrainingGraph.Build(model, batch, K);
        Ctx = new ExecContext(K) { Training = training, Seed = seed };
    }

    public EngineRun WithInputGradients()
    {
        foreach (var t in Graph.Inputs.Concat(Graph.Kernels.SelectMany(k => k.Outputs)))
            if (t.Grad is null)
            {
                t.Grad = K.Allocate(t.Count);
                _extra.Add(t.Grad);
            }
        return this;
    }

    public void SetInputs(IReadOnlyDictionary<string, Tensor> inputs)
    {
        for (int i = 0; i < Graph.Inputs.Count; i++) Graph.SetInput(i, inputs[Graph.Inputs[i].Name].ToFloats());
    }

    public List<float[]> Forward()
    {
        Graph.Forward(Ctx);
        return Graph.Outputs.Select(Graph.Download).ToList();
    }

    /// <summary>Backward from output gradients <paramref name="seeds"/> (one per graph output).</summary>
    public void Backward(IReadOnlyList<float[]> seeds)
    {
        Graph.ZeroGrads();
        for (int i = 0; i < seeds.Count; i++) K.Upload(seeds[i], Graph.Outputs[i].Grad!);
        Graph.Backward(Ctx);
    }

    public float[] Read(IBuffer buffer, long count)
    {
        var data = new float[count];
        K.Download(buffer, data);
        return data;
    }

    public void Dispose()
    {
        foreach (var b in _extra) b.Dispose();
        Graph.Dispose();
        K.Dispose();
    }
}
