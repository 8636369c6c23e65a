using Spp.Backend.Runtime;
using Spp.Frontend;
using Spp.Frontend.Onnx;
using Spp.TestModels;

namespace Spp.Cli.Tests;

public class CompileTests
{
    public static TheoryData<string> Models()
    {
        var d = new TheoryData<string>();
        foreach (var f in RepoPaths.RealModels) d.Add(Path.GetFileName(f));
        return d;
    }

    /// <summary><c>--speedup 1</c> writes the model back unchanged: the same protobuf message, and
    /// bit-identical outputs in ONNX Runtime.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void SpeedupOneWritesTheModelBackUnchanged(string file)
    {
        var input = RepoPaths.Model(file);
        using var tmp = RepoPaths.Temp();
        var output = tmp.File("out.onnx");
        var r = Sppc.Run(input, "--speedup", "1", "-o", output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr);
        Assert.Contains(output, r.Stdout);
        Assert.Equal(["out.onnx"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName));

        Assert.Equal(ModelProto.Parser.ParseFrom(File.ReadAllBytes(input)), ModelProto.Parser.ParseFrom(File.ReadAllBytes(output)));
        var inputs = OrtHarness.RandomInputs(OnnxReader.Read(input), batch: 3, seed: 11);
        using var a = OrtModel.Load(input, OrtSettings.Reference);
        using var b = OrtModel.Load(output, OrtSettings.Reference);
        var expected = a.Run(inputs);
        var actual = b.Run(inputs);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Dims, actual[i].Dims);
            Assert.Equal(expected[i].RawData, actual[i].RawData);
        }
    }

    [Fact]
    public void DefaultOutputIsBesideTheInput()
    {
        using var tmp = RepoPaths.Temp();
        var input = tmp.File("m.onnx");
        File.Copy(RepoPaths.Model("mbv2s.onnx"), input);
        var r = Sppc.Run(input, "--speedup", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(["m.onnx", "m.slim.onnx"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName).Order());
    }
}
