using Spp.Backend.Onnx;
using Spp.TestModels;

namespace Spp.Cli.Tests;

/// <summary>Each bad input or usage gives exit code 2 and one line on stderr naming the file or
/// flag, and writes nothing: the folder holds exactly what it held before.</summary>
public class BadInputTests
{
    /// <summary>Builds the case in <paramref name="dir"/> (which holds a copy of a real model,
    /// model.onnx); returns sppc's arguments and what the error line must name.</summary>
    private static (string[] args, string[] mentions) Case(string name, TempDir dir)
    {
        string model = dir.File("model.onnx"), output = dir.File("out.onnx");
        switch (name)
        {
            case "text file":
                var text = dir.File("notes.txt");
                File.WriteAllText(text, "not a model\n");
                return ([text, "--speedup", "1", "-o", output], [text, "not an ONNX model"]);
            case "empty file":
                var empty = dir.File("empty.onnx");
                File.WriteAllBytes(empty, []);
                return ([empty, "--speedup", "1", "-o", output], [empty]);
            case "truncated model":
                var cut = dir.File("cut.onnx");
                File.WriteAllBytes(cut, File.ReadAllBytes(model)[..300_000]);
                return ([cut, "--speedup", "1", "-o", output], [cut, "truncated"]);
            case "missing external data":
                var ext = dir.File("ext.onnx");
                OnnxWriter.Write(TestModelZoo.Chain(), ext, externalData: true);
                File.Delete(ext + ".data");
                return ([ext, "--speedup", "1", "-o", output], [ext, "ext.onnx.data"]);
            case "missing model file":
                var absent = dir.File("absent.onnx");
                return ([absent, "--speedup", "1", "-o", output], [absent]);
            case "model is a directory":
                return ([dir.Path, "--speedup", "1", "-o", output], [dir.Path]);
            case "output is the input":
                return ([model, "--speedup", "1", "-o", model], [model, "input"]);
            case "output folder missing":
                var nested = Path.Combine(dir.Path, "no", "such", "out.onnx");
                return ([model, "--speedup", "1", "-o", nested], [nested]);
            case "output folder not writable":
                // /proc accepts no new files, whoever runs the tests (root included).
                return ([model, "--speedup", "1", "-o", "/proc/out.onnx"], ["/proc/out.onnx", "cannot write"]);
            case "output is a directory":
                return ([model, "--speedup", "1", "-o", dir.Path], [dir.Path]);
            case "speedup 0":
                return ([model, "--speedup", "0", "-o", output], ["--speedup"]);
            case "speedup below 1":
                return ([model, "--speedup", "0.5", "-o", output], ["--speedup"]);
            case "speedup abc":
                return ([model, "--speedup", "abc", "-o", output], ["--speedup", "abc"]);
            case "unknown flag":
                return ([model, "--speedup", "1", "--frobnicate", "-o", output], ["--frobnicate"]);
            case "missing speedup":
                return ([model, "-o", output], ["--speedup"]);
            case "inspect text file":
                var notes = dir.File("notes.onnx");
                File.WriteAllText(notes, "still not a model\n");
                return (["inspect", notes], [notes]);
            case "inspect missing file":
                var gone = dir.File("gone.onnx");
                return (["inspect", gone, "--json"], [gone]);
            default:
                throw new ArgumentException(name);
        }
    }

    [Theory]
    [InlineData("text file")]
    [InlineData("empty file")]
    [InlineData("truncated model")]
    [InlineData("missing external data")]
    [InlineData("missing model file")]
    [InlineData("model is a directory")]
    [InlineData("output is the input")]
    [InlineData("output folder missing")]
    [InlineData("output folder not writable")]
    [InlineData("output is a directory")]
    [InlineData("speedup 0")]
    [InlineData("speedup below 1")]
    [InlineData("speedup abc")]
    [InlineData("unknown flag")]
    [InlineData("missing speedup")]
    [InlineData("inspect text file")]
    [InlineData("inspect missing file")]
    public void FailsWithOneLineAndWritesNothing(string name)
    {
        using var tmp = RepoPaths.Temp();
        File.Copy(RepoPaths.Model("resnet20.onnx"), tmp.File("model.onnx"));
        var (args, mentions) = Case(name, tmp);
        var before = Listing(tmp.Path);
        Sppc.AssertBadInput(Sppc.Run(args), mentions);
        Assert.Equal(before, Listing(tmp.Path));
    }

    private static string[] Listing(string dir) =>
        Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToArray();
}
