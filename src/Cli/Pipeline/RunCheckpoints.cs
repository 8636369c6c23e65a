using Spectre.Console;
using Spp.Cli.Options;
using Spp.Pruning.Checkpoints;

namespace Spp.Cli.Pipeline;

/// <summary>Opens a training run's checkpoint for the command line: notes about a checkpoint that is
/// ignored, one line when the run continues from one.</summary>
public static class RunCheckpoints
{
    public static CheckpointSession? Open(CheckpointChoice choice, IReadOnlyDictionary<string, string> key, CancellationToken cancel)
    {
        if (choice.Path is null) return null;
        var session = CheckpointSession.Open(choice.Path, key, choice.Restart, cancel, Note);
        if (session.Resume is { } r)
            AnsiConsole.MarkupLine($"continuing from checkpoint [bold]{Markup.Escape(choice.Path)}[/]: {Markup.Escape(r.Phase)}, step {r.Position.Step}");
        return session;
    }

    /// <summary>Notes go to standard error: they may come while a progress display owns the console.</summary>
    public static void Note(string message) => Console.Error.WriteLine($"sppc: note: {CliRunner.OneLine(message)}");

    /// <summary>A checkpoint whose key matched but whose tensors do not fit is the user's to discard.</summary>
    public static UsageException DoesNotFit(CheckpointSession session, CheckpointFormatException e) =>
        new($"{session.Path}: checkpoint {e.Message}; --restart discards it");
}
