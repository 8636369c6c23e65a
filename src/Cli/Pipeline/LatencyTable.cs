using Spectre.Console;
using Spp.Backend.Runtime;

namespace Spp.Cli.Pipeline;

/// <summary>Renders a latency result as a table (sppc bench, the main job's summary) or as JSON.</summary>
public static class LatencyTable
{
    public static void Print(LatencyResult r)
    {
        // One row per batch size and model keeps the table narrow enough for 80 columns.
        bool pair = r.Labels.Count > 1;
        var t = new Table().Border(TableBorder.Rounded).Title("[bold]latency[/]");
        t.AddColumn("batch", c => c.RightAligned());
        t.AddColumn("model", c => c.NoWrap());
        t.AddColumn("median ms", c => c.RightAligned());
        t.AddColumn("p90 ms", c => c.RightAligned());
        t.AddColumn("images/s", c => c.RightAligned());
        if (pair)
        {
            t.AddColumn("speedup", c => c.RightAligned());
            t.AddColumn("MAC ratio", c => c.RightAligned());
        }
        foreach (var row in r.Rows)
        {
            for (int i = 0; i < row.Models.Count; i++)
            {
                var s = row.Models[i];
                var cells = new List<string> { i == 0 ? row.Batch.ToString() : "", Markup.Escape(r.Labels[i]), Ms(s.MedianMs), Ms(s.P90Ms), s.Throughput.ToString("N0") };
                if (pair) cells.AddRange(i == 0 ? ["", ""] : [Speedup(row.Ratio(i)), $"{r.MacRatio(i):0.00}x"]);
                t.AddRow(cells.ToArray());
            }
        }
        AnsiConsole.Write(t);
        // Plain lines rather than a caption: a caption wraps to the table's width.
        AnsiConsole.MarkupLine($"{r.Rows[0].Models[0].Runs} timed runs per model, {(r.Threads > 0 ? $"{r.Threads} threads" : "default threads")}; provider {Markup.Escape(r.Provider.ToString())}");
        if (pair) AnsiConsole.MarkupLine($"speedup = median latency of {Markup.Escape(r.Labels[0])} / that of the model in the row");
    }

    private static string Speedup(double ratio) => ratio >= 1 ? $"{ratio:0.00}x" : $"[yellow]{ratio:0.00}x[/]";

    public static string Ms(double ms) => ms < 1 ? ms.ToString("0.000") : ms < 100 ? ms.ToString("0.00") : ms.ToString("0.0");

    public static object ToJson(LatencyResult r) => new
    {
        provider = r.Provider.Name,
        providerReason = r.Provider.Reason,
        threads = r.Threads,
        models = r.Labels.Select((l, i) => new { label = l, macsPerSample = r.MacsPerSample[i] }),
        macRatio = r.Labels.Count > 1 ? r.MacRatio() : (double?)null,
        batches = r.Rows.Select(row => new
        {
            batch = row.Batch,
            models = row.Models.Select((s, i) => new { label = r.Labels[i], medianMs = s.MedianMs, p90Ms = s.P90Ms, minMs = s.MinMs, runs = s.Runs, imagesPerSecond = s.Throughput }),
            latencyRatio = row.Models.Count > 1 ? row.Ratio() : (double?)null,
        }),
    };
}
