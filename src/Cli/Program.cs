using System.CommandLine;
using Spp.Cli;
using Spp.Cli.Commands;

var root = new RootCommand("sppc: ONNX-in / ONNX-out CNN channel pruning with Structured Probabilistic Pruning");
CompileCommand.Configure(root);
root.Add(InspectCommand.Create());
root.Add(EvalCommand.Create());
root.Add(BenchCommand.Create());
root.Add(FinetuneCommand.Create());

// The main job's MODEL argument belongs to the root command, and System.CommandLine prints a parent's
// arguments in a subcommand's help ("sppc <model> finetune <model>"); a subcommand never takes it.
if (args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0]))
    foreach (var argument in root.Arguments)
        argument.Hidden = true;

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
    return CliRunner.Fail(CliRunner.Describe(parse.Errors[0]));
return parse.Invoke();
