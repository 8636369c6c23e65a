using System.CommandLine;

namespace Spp.Cli.Options;

/// <summary>Where a training run keeps its resumable checkpoint (null: none), and whether an existing
/// one is to be discarded.</summary>
public sealed record CheckpointChoice(string? Path, bool Restart)
{
    public static readonly CheckpointChoice None = new(null, false);
}

/// <summary><c>--checkpoint PATH</c>, <c>--no-checkpoint</c>, <c>--restart</c>: shared by the main job
/// with training and <c>sppc finetune</c>. The default checkpoint lies beside the output.</summary>
public sealed class CheckpointFlags
{
    public const string Suffix = ".sppc-checkpoint";

    public Option<string?> Path { get; } = new("--checkpoint") { Description = $"where training keeps its resumable checkpoint (default: OUTPUT{Suffix}); re-running the same command continues from it" };
    public Option<bool> Disabled { get; } = new("--no-checkpoint") { Description = "keep no checkpoint: an interrupted run starts over" };
    public Option<bool> Restart { get; } = new("--restart") { Description = "discard an existing checkpoint and start over" };

    public void AddTo(Command c)
    {
        c.Add(Path);
        c.Add(Disabled);
        c.Add(Restart);
    }

    /// <summary>The choice for a run reading <paramref name="input"/> and writing <paramref name="outputs"/>
    /// (the model first); the checkpoint may be none of them.</summary>
    public CheckpointChoice Parse(ParseResult r, string input, params string?[] outputs)
    {
        string? path = r.GetValue(Path);
        if (r.GetValue(Disabled))
            return path is null ? CheckpointChoice.None : throw new UsageException("--checkpoint and --no-checkpoint: choose one");
        path ??= outputs[0] + Suffix;
        try
        {
            ModelFiles.CheckOutput(input, path);
        }
        catch (UsageException e)
        {
            throw new UsageException($"--checkpoint {e.Message}");
        }
        string full = System.IO.Path.GetFullPath(path);
        if (outputs.OfType<string>().Any(o => System.IO.Path.GetFullPath(o) == full))
            throw new UsageException($"--checkpoint {path}: that is also an output of this run");
        return new CheckpointChoice(path, r.GetValue(Restart));
    }
}
