using System.CommandLine;
using Spectre.Console;
using Spp.Cli.Options;
using Spp.Cli.Pipeline;
using Spp.Graph.Channels;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Training;

namespace Spp.Cli.Commands;

/// <summary><c>sppc finetune MODEL --data D [--val V] --epochs E -o OUT</c>: training alone, on the
/// same engine as pruning (BatchNormalization statistics written back).</summary>
public static class FinetuneCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model to train" };
        var output = new Option<string>("--output", "-o") { Description = "output model path", Required = true };
        var val = new Option<string?>("--val") { Description = "labeled data for accuracy per epoch" };
        var training = new TrainingFlags();
        var runtime = new RuntimeFlags();
        var data = new DataFlags();
        var checkpoint = new CheckpointFlags();
        var cmd = new Command("finetune", "Train a model on data with sppc's engine (SGD, cosine schedule) and write it") { model, output, val };
        training.AddTo(cmd);
        runtime.AddTo(cmd);
        data.AddTo(cmd);
        checkpoint.AddTo(cmd);
        cmd.SetAction(r => CliRunner.Run(() =>
        {
            string path = r.GetValue(model)!, outPath = r.GetValue(output)!;
            string dataPath = r.GetValue(training.Data) ?? throw new UsageException("--data is required for finetune");
            ModelFiles.CheckOutput(path, outPath);
            var t = training.Parse(r);
            var choice = checkpoint.Parse(r, path, outPath);
            var ir = ModelFiles.Load(path);
            var input = ModelInput.Of(ir, path);
            var pre = data.For(input, r);
            using var train = TrainingData.Open(dataPath, input, pre);
            using var valSource = r.GetValue(val) is { } v ? Evaluation.OpenLabeled(v, input, pre) : null;
            t = TrainingData.Fit(t, train, dataPath);
            var backend = TrainingData.Kernels(r.GetValue(runtime.Device) ?? "auto");
            using var kernels = backend.Kernels;
            var unshared = ir.CloneWithGraph(ConstantUnsharing.Apply(ir.Graph).Graph);
            long steps = (long)Math.Floor(t.Epochs * (train.Count / t.Batch));
            using var interrupts = Interrupts.Listen();
            var checkpoints = RunCheckpoints.Open(choice, CheckpointKeys.For("finetune", path, ir, train, valSource, t, pre, kernels), interrupts.Token);
            AnsiConsole.MarkupLine($"training on [bold]{Markup.Escape(backend.Description)}[/]: {steps} steps of {t.Batch}");
            var curve = new List<CurvePoint>();
            Spp.Graph.Model trained = null!;
            try
            {
                TrainingProgress.Run(p => trained = FineTuner.Run(kernels, unshared, t.DistillLabelWeight < 1 ? unshared : null, train, valSource, t, steps, curve, p,
                    interrupts.Token, checkpoints: checkpoints));
            }
            catch (CheckpointFormatException e) when (checkpoints is not null)
            {
                throw RunCheckpoints.DoesNotFit(checkpoints, e);
            }
            // Stopped while BatchNorm was recalibrated: the checkpoint of the last step finishes it.
            if (interrupts.Token.IsCancellationRequested) throw new TrainingInterruptedException(FineTuner.Phase, steps, steps, checkpoints?.Path);
            ModelFiles.Save(trained, outPath);
            checkpoints?.Complete();
            foreach (var point in curve.Where(c => c.ValAccuracy is not null))
                AnsiConsole.MarkupLine($"step {point.Step}: validation top-1 {point.ValAccuracy:P2}");
            AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(outPath)}[/]");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
