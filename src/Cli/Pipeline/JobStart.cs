using Spp.Graph;
using Spp.Pruning.Allocation;

namespace Spp.Cli.Pipeline;

/// <summary>What every form of the main job does first, and how it reports an unreachable target.</summary>
public static class JobStart
{
    /// <summary>Checks every output path against the input, loads the model, and handles
    /// <c>--speedup 1</c> (the model written back unchanged): then returns null.</summary>
    public static Model? LoadOrCopy(PruneOptions o)
    {
        ModelFiles.CheckOutput(o.Input, o.Output);
        foreach (var extra in new[] { o.ReportPath, o.HtmlPath }.OfType<string>()) ModelFiles.CheckOutput(o.Input, extra);
        var model = ModelFiles.Load(o.Input);
        if (o.Speedup != 1) return model;
        ModelFiles.Save(model, o.Output);
        Console.Out.WriteLine($"wrote {o.Output} (unchanged, --speedup 1)");
        return null;
    }

    public static UsageException Unreachable(PruneOptions o, UnreachableSpeedupException e) =>
        new(e.ReachableSpeedup <= 1 ? $"{o.Input}: nothing to prune: {e.Message}" : $"--speedup {o.Speedup}: {e.Message}");
}
