using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;
using Spp.Pruning.Kernels.Cpu;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>Opening training data and the training backend, with usage errors for what a user can get wrong.</summary>
public static class TrainingData
{
    public static DataSource Open(string path, ModelInput input, Preprocessing pre)
    {
        try
        {
            var source = DataSources.Open(path, pre);
            input.Check(source);
            return source;
        }
        catch (DataFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Checks the data against the loss: without labels only the teacher can teach, and a
    /// batch must fit. Returns the options with the label weight the data allows.</summary>
    public static TrainingOptions Fit(TrainingOptions t, DataSource train, string dataPath)
    {
        if (!train.IsLabeled)
            t = t.DistillLabelWeight is null
                ? throw new UsageException($"{dataPath}: no labels: add --distill to learn from the original model")
                : t with { DistillLabelWeight = 0 };
        if (train.Count < t.Batch) throw new UsageException($"{dataPath}: {train.Count} samples, fewer than one batch of {t.Batch}");
        return t;
    }

    public static KernelBackend Kernels(string device)
    {
        try
        {
            return KernelBackends.Create(device, () => new CpuKernels());
        }
        catch (TrainingException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
