namespace Spp.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A requested check failed (exactness, accuracy).</summary>
    public const int CheckFailed = 1;
    /// <summary>Bad input or usage.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl-C or a termination signal (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
