using System.CommandLine;
using Spp.Cli.Options;
using Spp.Cli.Pipeline;

namespace Spp.Cli.Commands;

/// <summary><c>sppc finetune MODEL --data D [--val V] --epochs E -o OUT</c>: training alone, on the
/// same engine as pruning (BatchNormalization statistics written back); the work is <see cref="FinetuneJob"/>.</summary>
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
            var o = new FinetuneOptions(path, outPath, dataPath, r.GetValue(val), r.GetValue(runtime.Device) ?? "auto", data.Parse(r), checkpoint.Parse(r, path, outPath));
            using var interrupts = Interrupts.Listen();
            return FinetuneJob.Run(o, t, interrupts.Token);
        }));
        return cmd;
    }
}
