using Spectre.Console;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>Progress bars with ETA for training phases (one bar per phase, loss, accuracy and
/// images/s in its description).</summary>
public static class TrainingProgress
{
    /// <param name="observer">Gets every report as well (a caller's own view of the run).</param>
    public static void Run(Action<IProgress<TrainProgress>> body, IProgress<TrainProgress>? observer = null)
    {
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SyncProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Phase, out var task)) tasks[p.Phase] = task = ctx.AddTask(p.Phase, maxValue: Math.Max(1, p.TotalSteps));
                    task.MaxValue = Math.Max(1, p.TotalSteps);
                    task.Value = p.Step;
                    task.Description = $"{p.Phase,-9} loss {p.Loss:0.000} acc {p.Accuracy:P1} lr {p.Lr:0.####} {p.ImagesPerSecond:0} img/s";
                    observer?.Report(p);
                });
                body(progress);
                foreach (var t in tasks.Values) t.Value = t.MaxValue;
            });
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class SyncProgress(Action<TrainProgress> report) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => report(value);
    }
}
