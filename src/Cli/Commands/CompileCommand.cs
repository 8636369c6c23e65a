using System.CommandLine;

namespace Spp.Cli.Commands;

/// <summary>The main job: <c>sppc MODEL --speedup S [--data D] [--val V] -o OUT</c>.</summary>
public static class CompileCommand
{
    public static void Configure(RootCommand root)
    {
        var model = new Argument<string>("model") { Description = "ONNX model to prune" };
        var speedup = new Option<double>("--speedup") { Description = "target MAC reduction factor (1 = write the model back unchanged)", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "output model path (default: MODEL.slim.onnx beside the input)" };
        root.Add(model);
        root.Add(speedup);
        root.Add(output);
        root.SetAction(r => CliRunner.Run(() =>
        {
            string input = r.GetValue(model)!;
            double s = r.GetValue(speedup);
            string outPath = r.GetValue(output) ?? DefaultOutput(input);
            if (!(s >= 1) || double.IsInfinity(s)) throw new UsageException($"--speedup {s}: must be a number >= 1");
            ModelFiles.CheckOutput(input, outPath);
            var m = ModelFiles.Load(input);
            if (s == 1)
            {
                ModelFiles.Save(m, outPath);
                Console.Out.WriteLine($"wrote {outPath} (unchanged, --speedup 1)");
                return ExitCodes.Ok;
            }
            throw new UsageException("--speedup above 1: pruning is not available in this build yet");
        }));
    }

    private static string DefaultOutput(string input) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(input))!, Path.GetFileNameWithoutExtension(input) + ".slim.onnx");
}
