namespace Spp.Pruning.Tests.Engine;

/// <summary>Every op case's backward rule against central finite differences of a random
/// projection L = sum r * y of its outputs, for every graph input and parameter, in the mode (eval
/// or training) the case names.</summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class OpGradientTests
{
    public static TheoryData<string, string> Cases => OpCatalog.ByBackend();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences(string backend, string name)
    {
        var c = OpCatalog.Find(name);
        var model = c.Build();
        using var run = new EngineRun(model, c.Batch, backend, c.Training).WithInputGradients();
        run.SetInputs(c.Inputs(model, seed: 13));
        GradientCheck.Run(run, name, step: 5e-3, maxPerTensor: 24, c.GradOutputs);
    }
}
