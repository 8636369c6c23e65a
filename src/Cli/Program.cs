using System.CommandLine;
using Spp.Cli;
using Spp.Cli.Commands;

var root = new RootCommand("sppc: ONNX-in / ONNX-out CNN channel pruning with Structured Probabilistic Pruning");
CompileCommand.Configure(root);
root.Add(InspectCommand.Create());
root.Add(EvalCommand.Create());
root.Add(BenchCommand.Create());
root.Add(FinetuneCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
    return CliRunner.Fail(CliRunner.Describe(parse.Errors[0]));
return parse.Invoke();
