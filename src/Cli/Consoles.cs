using Spectre.Console;

namespace Spp.Cli;

/// <summary>Where output goes: results on stdout (AnsiConsole), progress on stderr so that
/// <c>--json</c> output and redirected tables stay clean.</summary>
public static class Consoles
{
    public static IAnsiConsole Progress { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
