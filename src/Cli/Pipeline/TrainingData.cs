using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Kernels;
using Spp.Pruning.Kernels.Cpu;

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
