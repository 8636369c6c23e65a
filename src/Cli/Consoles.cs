using Spectre.Console;

namespace Spp.Cli;

/// <summary>Where output goes: results on stdout (AnsiConsole), progress on stderr so that
/// <c>--json</c> output and redirected tables stay clean.</summary>
public static class Consoles
{
    public static IAnsiConsole Progress { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs <paramref name="body"/> under a status line on stderr, which the body may update.
    /// Only on a terminal: redirected, Spectre would leave the status text as a line of its own, and
    /// stderr must hold nothing but the one error line when something fails.</summary>
    public static T WithStatus<T>(string text, Func<Action<string>, T> body)
    {
        if (!Progress.Profile.Capabilities.Interactive) return body(_ => { });
        return Progress.Status().Start(text, ctx => body(s => ctx.Status(Markup.Escape(s))));
    }
}
