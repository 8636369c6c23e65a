using Spp.Graph;

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
        catch (UsageException e)
        {
            return Fail(e.Message);
        }
        catch (GraphException e)
        {
            return Fail(e.Message);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("sppc: cancelled; nothing was written");
            return 130;
        }
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"sppc: {message}");
        return ExitCodes.BadInput;
    }
}
