using Spp.Backend.Onnx;
using Spp.Frontend;
using Spp.Frontend.Onnx;
using Spp.TestModels;

namespace Spp.Backend.Tests;

public class RoundTripTests
{
    [Theory]
    [MemberData(nameof(AllModels.Names), MemberType = typeof(AllModels))]
    public void ReadWriteGivesIdenticalOrtOutputs(string name)
    {
        var original = AllModels.Load(name);
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("rt.onnx");
        OnnxWriter.Write(original, path);
        var back = OnnxReader.Read(path);
        foreach (long batch in new[] { 1L, 4L })
        {
            var inputs = OrtHarness.RandomInputs(original, batch, seed: (int)batch);
            var a = OrtHarness.Run(original, inputs);
            var b = OrtHarness.Run(back, inputs);
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++) Assert.Equal(0f, OrtHarness.MaxAbsDiff(a[i], b[i]));
        }
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp*"));
    }

    [Theory]
    [MemberData(nameof(RealModelFiles))]
    public void RealExportsRoundTripToTheSameProtobufMessage(string file)
    {
        var path = RepoPaths.Model(file);
        var source = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var written = OnnxWriter.ToProto(OnnxReader.Read(path), null);
        // Semantic protobuf equality: every field, name, attribute, value_info and byte of weights.
        Assert.Equal(source, written);
        Assert.Equal(source.IrVersion, written.IrVersion);
    }

    public static TheoryData<string> RealModelFiles()
    {
        var d = new TheoryData<string>();
        foreach (var f in RepoPaths.RealModels) d.Add(Path.GetFileName(f));
        return d;
    }

    [Fact]
    public void ExternalDataIsWrittenAndReadBack()
    {
        var m = TestModelZoo.Chain();
        using var tmp = RepoPaths.Temp();
        var path = tmp.File("ext.onnx");
        OnnxWriter.Write(m, path, externalData: true);
        Assert.True(File.Exists(path + ".data"));
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Contains(proto.Graph.Initializer, t => t.DataLocation == TensorProto.Types.DataLocation.External);

        var back = OnnxReader.Read(path);
        Assert.True(back.UsesExternalData);
        foreach (var (k, t) in m.Graph.Initializers) Assert.Equal(t.RawData, back.Graph.Initializers[k].RawData);

        // ONNX Runtime resolves the external file itself when loading by path.
        var inputs = OrtHarness.RandomInputs(m, 2, 3);
        using var s = Runtime.OrtModel.Load(path, Runtime.OrtSettings.Reference);
        var fromFile = s.Run(inputs);
        var expected = OrtHarness.Run(m, inputs);
        Assert.Equal(0f, OrtHarness.MaxAbsDiff(expected[0], fromFile[0]));

        // A model read from external data is written with external data again.
        var again = tmp.File("again.onnx");
        OnnxWriter.Write(back, again);
        Assert.True(File.Exists(again + ".data"));
    }
}
