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

    /// <summary>
    /// The policies of --row-tiles auto|always|never|compare (compare: never, then always), for benchmarks that
    /// time <see cref="Spp.Pruning.Kernels.Cpu.Conv2d.RowTiles"/> both ways; Auto when absent.
    /// </summary>
    public static Spp.Pruning.Kernels.Cpu.RowTilePolicy[] RowTiles(string[] args)
    {
        int ri = Array.IndexOf(args, "--row-tiles");
        string value = ri >= 0 && ri + 1 < args.Length ? args[ri + 1] : "auto";
        return value switch
        {
            "compare" => [Spp.Pruning.Kernels.Cpu.RowTilePolicy.Never, Spp.Pruning.Kernels.Cpu.RowTilePolicy.Always],
            "always" => [Spp.Pruning.Kernels.Cpu.RowTilePolicy.Always],
            "never" => [Spp.Pruning.Kernels.Cpu.RowTilePolicy.Never],
            _ => [Spp.Pruning.Kernels.Cpu.RowTilePolicy.Auto],
        };
    }
}
