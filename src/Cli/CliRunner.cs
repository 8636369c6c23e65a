using System.CommandLine.Parsing;
using Microsoft.ML.OnnxRuntime;
using Spp.Backend.Runtime;
using Spp.Graph;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;

namespace Spp.Cli;

/// <summary>Runs a command body and turns the errors a user can cause into one line and exit code 2.</summary>
public static class CliRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is UsageException or GraphException or DataFormatException or DeviceUnavailableException)
        {
            return Fail(e.Message);
        }
        catch (OnnxRuntimeException e)
        {
            // A session that loaded but failed while running (e.g. out of GPU memory): the user's to fix.
            return Fail($"ONNX Runtime failed: {OneLine(e.Message)}");
        }
        catch (TrainingInterruptedException e)
        {
            // Before the generic cancellation below: this one has a checkpoint to tell about.
            Console.Error.WriteLine(e.CheckpointPath is { } path
                ? $"sppc: interrupted in {e.Phase} at step {e.Step} of {e.TotalSteps}; saved {path}; run the same command again to continue (nothing else was written)"
                : $"sppc: interrupted in {e.Phase} at step {e.Step} of {e.TotalSteps}; no checkpoint kept, nothing was written");
            return ExitCodes.Interrupted;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("sppc: cancelled; nothing was written");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>A parse error, led by the flag it is about when it is about one (System.CommandLine's
    /// "Argument 'x' not recognized" does not say which flag took 'x').</summary>
    public static string Describe(ParseError e)
    {
        var option = e.SymbolResult as OptionResult ?? e.SymbolResult?.Parent as OptionResult;
        return option is null || e.Message.Contains(option.Option.Name, StringComparison.Ordinal) ? e.Message : $"{option.Option.Name}: {e.Message}";
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"sppc: {OneLine(message)}");
        return ExitCodes.BadInput;
    }

    /// <summary>Messages from libraries (System.CommandLine's choices, ORT's errors) can span lines;
    /// the contract is one line.</summary>
    public static string OneLine(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
