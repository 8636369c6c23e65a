using Spectre.Console;
using Spp.Backend.Runtime;
using Spp.Backend.Verification;
using Spp.Pruning.Data;

namespace Spp.Cli.Pipeline;

/// <summary>Accuracy of a model on labeled data with a progress bar on stderr (stdout stays for
/// results); shared by <c>sppc eval</c> and the main job's <c>--val</c>.</summary>
public static class Evaluation
{
    /// <summary>The validation set for a model: readable, fitting the model, labeled.</summary>
    public static DataSource OpenLabeled(string path, ModelInput input, Preprocessing pre)
    {
        var data = DataSources.Open(path, pre);
        try
        {
            input.Check(data);
            if (!data.IsLabeled) throw new DataFormatException($"{path}: the data has no labels; accuracy needs labeled data");
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public static AccuracyResult Accuracy(OrtModel model, ModelInput input, DataSource data, int batch, string label)
    {
        // A model exported with a fixed batch size takes exactly that many samples per run.
        int size = input.Batch ?? batch;
        var batches = new BatchIterator(data, size).Epoch().Select(b => (b.Inputs, b.Dims, b.Labels));
        var progress = new Progress(Consoles.Progress).AutoClear(true).HideCompleted(true).Columns(
            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn());
        return progress.Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(label), maxValue: data.Count);
            return AccuracyEvaluator.Run(model, batches, n => task.Increment(n), input.Batch);
        });
    }
}
