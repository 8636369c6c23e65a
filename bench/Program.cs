namespace Spp.Bench;

/// <summary>
/// Benchmark entry point: `dotnet run -c Release --project bench -- SUBCOMMAND [args]`.
/// To add a subcommand, put its code in its own file and add one line to <see cref="Commands"/>.
/// </summary>
public static class Program
{
    private static readonly (string Name, string Help, Func<string[], int> Run)[] Commands =
    [
        ("gemm", "FMA peak, GEMM and conv forward/backward GFLOP/s of the CPU kernels [--json] [--quick] [--threads N] [--filter TEXT] [--row-tiles auto|always|never|compare] [--cold]", GemmBench.Run),
        ("graph", "read + shape inference, and analysis + allocation + rewrite at 2x, of one model [--repeat N] [--python]", GraphBench.Run),
        ("widths", "latency model: each prunable group's cut-out timed in ONNX Runtime per width [--batch B] [--threads N] [--group ID] [--from K] [--to K] [--step S]", WidthCostBench.Run),
        ("ort-profile", "ONNX Runtime's own profile of each model: kernel time per op type and the per-node overhead MODEL... [--batch B] [--runs N] [--threads T]", OrtProfileBench.Run),
        ("train", "CPU training backend: resnet20 conv fwd+bwd GFLOP/s at batch 128, element-wise/BN GB/s [--json] [--quick] [--threads N]", TrainBench.Run),
        ("train-compare", "training images/s and peak memory, sppc vs PyTorch channels_last, interleaved: MODEL... --data IDX [--rounds R] [--steps N]", TrainCompareBench.Compare),
        ("train-step", "sppc's side of train-compare alone, one model, JSON: MODEL --data IDX [--steps N] [--warmup W] [--batch B] [--row-tiles auto|always|never]", TrainCompareBench.Step),
    ];

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Usage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        foreach (var (name, _, run) in Commands)
            if (name == args[0]) return run(args[1..]);
        Console.Error.WriteLine($"unknown subcommand '{args[0]}'");
        Usage(Console.Error);
        return 2;
    }

    private static void Usage(TextWriter w)
    {
        w.WriteLine("usage: Spp.Bench SUBCOMMAND [options]");
        foreach (var (name, help, _) in Commands) w.WriteLine($"  {name,-10} {help}");
    }
}
