using System.Text.Json;
using Spp.TestModels;

namespace Spp.Cli.Tests;

public class InspectTests
{
    public static TheoryData<string, long> Models() => new()
    {
        { "resnet20.onnx", 31_021_952 }, { "resnet20.bn.onnx", 31_021_952 },
        { "vgg11s.onnx", 29_128_448 }, { "vgg11s.bn.onnx", 29_128_448 },
        { "mbv2s.onnx", 10_571_664 }, { "mbv2s.bn.onnx", 10_571_664 },
    };

    [Fact]
    public void EveryModelInModelsIsCovered() =>
        Assert.Equal(RepoPaths.RealModels.Select(Path.GetFileName).Order(), Models().Select(row => (string)row[0]).Order());

    [Theory]
    [MemberData(nameof(Models))]
    public void TablePrintsTheTotals(string file, long macs)
    {
        var r = Sppc.Run("inspect", RepoPaths.Model(file));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr);
        Assert.Contains("MACs per sample", r.Stdout);
        Assert.Contains(macs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), r.Stdout);
        Assert.Contains("Conv", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void JsonParsesWithTheTotals(string file, long macs)
    {
        var r = Sppc.Run("inspect", RepoPaths.Model(file), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        var totals = root.GetProperty("totals");
        Assert.Equal(macs, totals.GetProperty("convGemmMacsPerSample").GetInt64());
        Assert.Equal(macs, totals.GetProperty("macsPerSample").GetInt64());
        Assert.True(totals.GetProperty("params").GetInt64() > 100_000);
        Assert.Equal(7, root.GetProperty("irVersion").GetInt64());
        Assert.Equal("input", root.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(macs, root.GetProperty("nodes").EnumerateArray().Sum(n => n.GetProperty("macs").GetInt64()));
        Assert.Empty(root.GetProperty("unknownOps").EnumerateArray());
    }
}
