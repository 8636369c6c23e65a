using Spp.Pruning.Training;

namespace Spp.TestModels;

/// <summary>Cancels a run right after step <paramref name="step"/> of <paramref name="phase"/> is
/// reported (progress is reported after every step of a short phase), the way Ctrl-C would between
/// two steps, but at a known step. Reports on the calling thread.</summary>
public sealed class StopAt(string phase, long step) : IProgress<TrainProgress>
{
    private readonly CancellationTokenSource _cts = new();

    public CancellationToken Token => _cts.Token;

    public void Report(TrainProgress value)
    {
        if (value.Phase == phase && value.Step == step) _cts.Cancel();
    }
}
