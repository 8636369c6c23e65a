namespace Spp.Bench;

/// <summary>Argument reading shared by the bench subcommands.</summary>
public static class BenchArgs
{
    /// <summary>The value of --threads (0 = default when absent); null, with the message printed,
    /// when it is not a positive integer.</summary>
    public static int? Threads(string[] args)
    {
        int threads = 0, ti = Array.IndexOf(args, "--threads");
        if (ti >= 0 && (ti + 1 >= args.Length || !int.TryParse(args[ti + 1], out threads) || threads < 1))
        {
            Console.Error.WriteLine("--threads needs a positive integer");
            return null;
        }
        return threads;
    }
}
