using Xunit;
using Spp.Frontend;
using Spp.Graph;

namespace Spp.TestModels;

/// <summary>Every test model: the built zoo and the real exports in models/, as xunit theory data.</summary>
public static class AllModels
{
    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var k in TestModelZoo.All.Keys) d.Add("zoo:" + k);
        foreach (var f in RepoPaths.RealModels) d.Add("file:" + Path.GetFileName(f));
        return d;
    }

    /// <summary><see cref="Names"/> and the CNN families exported from PyTorch (tests/fixtures/families).</summary>
    public static TheoryData<string> NamesWithFamilies()
    {
        var d = Names();
        foreach (var f in Directory.GetFiles(RepoPaths.Fixture("families"), "*.onnx").Order()) d.Add("family:" + Path.GetFileName(f));
        return d;
    }

    public static Model Load(string name) =>
        name.StartsWith("zoo:", StringComparison.Ordinal) ? TestModelZoo.All[name[4..]]()
        : name.StartsWith("family:", StringComparison.Ordinal) ? OnnxReader.Read(RepoPaths.Fixture("families", name[7..]))
        : OnnxReader.Read(RepoPaths.Model(name[5..]));
}
