namespace Spp.Cli.Tests;

/// <summary>Each command's help describes that command's own usage: the main job's MODEL argument
/// (the root command's) appears in the top-level help and in no subcommand's.</summary>
public class HelpTests
{
    [Fact]
    public void TopLevelHelpShowsTheMainJobsModel()
    {
        var r = Sppc.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("sppc <model> [command] [options]", r.Stdout);
        Assert.Contains("ONNX model to prune", r.Stdout);
    }

    [Theory]
    [InlineData("finetune", "sppc finetune <model> [options]")]
    [InlineData("eval", "sppc eval <model> [options]")]
    [InlineData("inspect", "sppc inspect <model> [options]")]
    [InlineData("bench", "sppc bench <model> [<other>] [options]")]
    public void SubcommandHelpShowsOnlyItsOwnArguments(string command, string usage)
    {
        var r = Sppc.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(usage, r.Stdout);
        Assert.DoesNotContain("ONNX model to prune", r.Stdout);
    }
}
