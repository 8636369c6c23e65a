using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Spp.Graph;
using Spp.Graph.Channels;

namespace Spp.Cli.Commands;

/// <summary><c>sppc inspect MODEL [--json]</c>: layer table and totals.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model file" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var cmd = new Command("inspect", "Show layers (op, output shape, params, MACs per sample), totals, opsets, inputs and outputs") { model, json };
        cmd.SetAction(r => CliRunner.Run(() => Execute(r.GetValue(model)!, r.GetValue(json))));
        return cmd;
    }

    private static Table GroupTable(Spp.Graph.Model m)
    {
        var analysis = ChannelAnalysis.Run(m.Graph, m.OnnxOpset);
        var macs = GroupMacs.Of(analysis);
        var t = new Table().Border(TableBorder.Simple).Title("[bold]channel groups[/]");
        t.AddColumn("group", c => c.RightAligned());
        t.AddColumn("width", c => c.RightAligned());
        t.AddColumn("status");
        t.AddColumn("MACs depending", c => c.RightAligned());
        t.AddColumn("producers");
        t.AddColumn("consumers");
        foreach (var g in analysis.Groups)
        {
            string status = g.Locked ? $"[grey]locked: {Markup.Escape(g.LockReasons[0])}[/]" : "[green]prunable[/]";
            t.AddRow(g.Id.ToString(), g.Width.ToString(), status, macs[g.Id].ToString("N0"),
                Markup.Escape(string.Join(", ", g.Producers)), Markup.Escape(string.Join(", ", g.Consumers)));
        }
        int prunable = analysis.PrunableGroups.Count();
        t.Caption($"{prunable} prunable of {analysis.Groups.Count} groups, {analysis.PrunableGroups.Sum(g => g.Width)} prunable units");
        return t;
    }

    private static int Execute(string path, bool json)
    {
        var m = ModelFiles.Load(path);
        var s = ModelSummary.Of(m);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                model = path,
                irVersion = m.IrVersion,
                producer = $"{m.ProducerName} {m.ProducerVersion}".Trim(),
                opsets = s.Opsets.Select(o => new { domain = o.Domain, version = o.Version }),
                inputs = s.Inputs.Select(i => new { name = i.Name, type = i.Type }),
                outputs = s.Outputs.Select(i => new { name = i.Name, type = i.Type }),
                nodes = s.Nodes.Select(n => new { name = n.Name, op = n.OpType, domain = n.Domain, shape = n.OutputShape, @params = n.Params, macs = n.Macs, known = n.Known }),
                totals = new { @params = s.TotalParams, macsPerSample = s.MacsPerSample, convGemmMacsPerSample = s.ConvGemmMacsPerSample, weightBytes = s.WeightBytes },
                unknownOps = s.UnknownOps,
                warnings = s.Warnings,
            }, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }

        var console = AnsiConsole.Console;
        var table = new Table().Border(TableBorder.Simple).Title($"[bold]{Markup.Escape(Path.GetFileName(path))}[/]");
        table.AddColumn("#", c => c.RightAligned());
        table.AddColumn("name");
        table.AddColumn("op");
        table.AddColumn("output shape");
        table.AddColumn("params", c => c.RightAligned());
        table.AddColumn("MACs", c => c.RightAligned());
        int k = 0;
        foreach (var n in s.Nodes)
        {
            string op = n.Known ? n.OpType : $"[yellow]{Markup.Escape(n.Domain.Length > 0 ? n.Domain + "." + n.OpType : n.OpType)}[/]";
            table.AddRow(
                (k++).ToString(), Markup.Escape(n.Name), n.Known ? Markup.Escape(op) : op, Markup.Escape(n.OutputShape),
                n.Params == 0 ? "" : n.Params.ToString("N0"),
                n.Macs is null ? "?" : n.Macs == 0 ? "" : n.Macs.Value.ToString("N0"));
        }
        console.Write(table);

        var totals = new Table().Border(TableBorder.Rounded).HideHeaders();
        totals.AddColumn("what");
        totals.AddColumn("value");
        totals.AddRow("IR version", m.IrVersion.ToString());
        totals.AddRow("producer", Markup.Escape($"{m.ProducerName} {m.ProducerVersion}".Trim()));
        totals.AddRow("opsets", Markup.Escape(string.Join(", ", s.Opsets.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} v{o.Version}"))));
        totals.AddRow("inputs", Markup.Escape(string.Join(", ", s.Inputs.Select(i => $"{i.Name}: {i.Type}"))));
        totals.AddRow("outputs", Markup.Escape(string.Join(", ", s.Outputs.Select(i => $"{i.Name}: {i.Type}"))));
        totals.AddRow("nodes", s.Nodes.Count.ToString("N0"));
        totals.AddRow("parameters", s.TotalParams.ToString("N0"));
        totals.AddRow("weight bytes", s.WeightBytes.ToString("N0"));
        totals.AddRow("MACs per sample", s.MacsPerSample.ToString("N0"));
        totals.AddRow("  of which Conv/Gemm/MatMul", s.ConvGemmMacsPerSample.ToString("N0"));
        if (s.UnknownOps.Count > 0) totals.AddRow("[yellow]ops without a rule[/]", Markup.Escape(string.Join(", ", s.UnknownOps)));
        console.Write(totals);
        foreach (var w in s.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        console.Write(GroupTable(m));
        return ExitCodes.Ok;
    }
}
