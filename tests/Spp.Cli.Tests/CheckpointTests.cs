using Spp.Cli.Options;
using Spp.Cli.Pipeline;
using Spp.Pruning.Data;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Cli.Tests;

/// <summary>
/// Interrupted training jobs (a cancellation injected at a known step, as Ctrl-C would arrive between
/// two steps) leave no output but a checkpoint; running the same job again continues from it and
/// writes a model byte-identical to an uninterrupted run's. A checkpoint of other flags, or a
/// damaged one, is ignored with one note; bad checkpoint flags are usage errors.
/// </summary>
public class CheckpointTests : IClassFixture<DemoSubsetFixture>
{
    private readonly string _train;
    private static readonly string Model = RepoPaths.Model("resnet20.bn.onnx");
    private static readonly PreprocessingFlags Fashion = new([0.2860f], [0.3530f], null, ChannelOrder.Rgb);
    // 512 images in batches of 16: 32 steps per epoch, 16 steps in all, 8 of them pruning.
    private static readonly TrainingOptions Training = new() { Epochs = 0.5, Batch = 16, Seed = 7, BatchNormCalibrationBatches = 2 };

    public CheckpointTests(DemoSubsetFixture data) => _train = data.Subset.Images;

    private static PruneOptions Job(TempDir tmp, string name, bool checkpoint = true) =>
        new PruneOptions(Model, tmp.File(name + ".onnx"), 2, "spp", 1, 0.1, false, tmp.File(name + ".json"), Batch: 16, Data: Fashion)
        {
            Checkpoint = checkpoint ? new CheckpointChoice(tmp.File(name + ".onnx" + CheckpointFlags.Suffix), false) : CheckpointChoice.None,
        };

    [Theory]
    [InlineData("spp", 5)]
    [InlineData("fine-tune", 3)]
    public void Main_job_interrupted_leaves_no_output_and_resumes_to_the_uninterrupted_model(string phase, long step)
    {
        using var tmp = RepoPaths.Temp();
        var plain = Job(tmp, "plain", checkpoint: false);
        Assert.Equal(0, TrainPruneJob.Run(plain, Training, _train, "cpu", CancellationToken.None));

        var o = Job(tmp, "resumed");
        var stop = new StopAt(phase, step);
        Assert.Equal(ExitCodes.Interrupted, CliRunner.Run(() => TrainPruneJob.Run(o, Training, _train, "cpu", stop.Token, stop)));
        Assert.False(File.Exists(o.Output));
        Assert.False(File.Exists(o.ReportPath));
        Assert.True(File.Exists(o.Checkpoint.Path));

        Assert.Equal(0, CliRunner.Run(() => TrainPruneJob.Run(o, Training, _train, "cpu", CancellationToken.None)));
        Assert.Equal(File.ReadAllBytes(plain.Output), File.ReadAllBytes(o.Output));
        Assert.False(File.Exists(o.Checkpoint.Path));
    }

    [Fact]
    public void Finetune_interrupted_leaves_no_output_and_resumes_to_the_uninterrupted_model()
    {
        using var tmp = RepoPaths.Temp();
        FinetuneOptions Options(string name) => new(Model, tmp.File(name), _train, null, "cpu", Fashion,
            new CheckpointChoice(tmp.File(name + CheckpointFlags.Suffix), false));
        var plain = Options("plain.onnx") with { Checkpoint = CheckpointChoice.None };
        Assert.Equal(0, FinetuneJob.Run(plain, Training, CancellationToken.None));

        var o = Options("resumed.onnx");
        var stop = new StopAt(FineTuner.Phase, 11);
        Assert.Equal(ExitCodes.Interrupted, CliRunner.Run(() => FinetuneJob.Run(o, Training, stop.Token, stop)));
        Assert.False(File.Exists(o.Output));
        Assert.Equal(0, CliRunner.Run(() => FinetuneJob.Run(o, Training, CancellationToken.None)));
        Assert.Equal(File.ReadAllBytes(plain.Output), File.ReadAllBytes(o.Output));
        Assert.False(File.Exists(o.Checkpoint.Path));
    }

    /// <summary>An interrupted finetune run of these flags (epochs 0.5 of the subset at batch 16), at step 3.</summary>
    private string[] Finetune(string output, params string[] extra) =>
        ["finetune", Model, "--data", _train, "--mean", "0.2860", "--std", "0.3530", "--epochs", "0.5", "--batch", "16", "--device", "cpu", "-o", output, .. extra];

    private void Interrupt(string output)
    {
        var stop = new StopAt(FineTuner.Phase, 3);
        var o = new FinetuneOptions(Model, output, _train, null, "cpu", Fashion, new CheckpointChoice(output + CheckpointFlags.Suffix, false));
        Assert.Equal(ExitCodes.Interrupted, CliRunner.Run(() => FinetuneJob.Run(o, new TrainingOptions { Epochs = 0.5, Batch = 16 }, stop.Token, stop)));
    }

    [Fact]
    public void A_checkpoint_made_with_other_flags_is_ignored_with_one_note()
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        Interrupt(output);
        var r = Sppc.Run(Finetune(output, "--lr", "0.01"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var note = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"sppc: note: ignoring checkpoint {output}{CheckpointFlags.Suffix}: it belongs to another run (training.lr: 0.02 there, 0.01 here)", note);
        Assert.DoesNotContain("continuing from checkpoint", r.Stdout);
        Assert.True(File.Exists(output));
        Assert.False(File.Exists(output + CheckpointFlags.Suffix));
    }

    [Fact]
    public void The_same_flags_continue_from_the_checkpoint()
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        Interrupt(output);
        var r = Sppc.Run(Finetune(output));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"continuing from checkpoint {output}{CheckpointFlags.Suffix}: fine-tune, step 3", r.Stdout.Replace("\n", ""));
        Assert.Equal("", r.Stderr);
    }

    [Theory]
    [InlineData("SPPCKPT\n\u0001")]           // truncated after the magic
    [InlineData("not a checkpoint at all, but long enough to have a header and a checksum.")]
    public void A_damaged_checkpoint_is_ignored_with_one_note_and_the_run_starts_over(string content)
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        File.WriteAllText(output + CheckpointFlags.Suffix, content);
        var r = Sppc.Run(Finetune(output));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var note = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($"^sppc: note: ignoring checkpoint {System.Text.RegularExpressions.Regex.Escape(output)}.sppc-checkpoint: (truncated|not an sppc checkpoint).*; starting over$", note);
        Assert.DoesNotContain("Exception", r.Stderr + r.Stdout);
        Assert.True(File.Exists(output));
        Assert.False(File.Exists(output + CheckpointFlags.Suffix));
    }

    [Theory]
    [InlineData("--no-checkpoint", "--checkpoint", "x.ckpt")]
    [InlineData("--checkpoint", "OUT")]
    [InlineData("--checkpoint", "MODEL")]
    public void Bad_checkpoint_flags_are_usage_errors_and_write_nothing(params string[] flags)
    {
        using var tmp = RepoPaths.Temp();
        string output = tmp.File("ft.onnx");
        var args = flags.Select(f => f switch { "OUT" => output, "MODEL" => Model, "x.ckpt" => tmp.File("x.ckpt"), _ => f }).ToArray();
        Sppc.AssertBadInput(Sppc.Run(Finetune(output, args)), "--checkpoint");
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }
}

/// <summary>One demo subset for all tests of a class.</summary>
public sealed class DemoSubsetFixture : IDisposable
{
    public DemoSubset Subset { get; } = new();
    public void Dispose() => Subset.Dispose();
}
