using System.Globalization;
using System.Net;
using System.Text;

namespace Spp.Backend.Reports;

/// <summary>
/// The run's report as one self-contained HTML file: summary, accuracy, latency, channel groups,
/// training curves and pruning probabilities, each section present only when the report has its
/// data. Plots are inline SVG (ScottPlot), styles inline; the file loads nothing from anywhere, so
/// it opens offline and can be mailed or archived as it is.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(PruneReport r, DateTimeOffset? generated = null)
    {
        int plotId = 0;
        string Plot(string svg, string caption) =>
            $"<figure>{SvgInline.Prepare(svg, $"p{plotId++}_")}<figcaption>{E(caption)}</figcaption></figure>\n";

        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append($"<title>sppc report: {E(Path.GetFileName(r.Input))}</title>\n<style>{Css}</style>\n</head>\n<body>\n");
        h.Append($"<header><h1>sppc report: {E(Path.GetFileName(r.Input))}</h1>\n");
        h.Append($"<p>{E(r.Input)} &rarr; {E(r.Output ?? "(not written)")}<br>method <b>{E(r.Method)}</b>, target {F(r.TargetSpeedup)}x MACs, ");
        h.Append($"generated {E((generated ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd HH:mm 'UTC'", Inv))}</p></header>\n");

        h.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<table>\n<tr><th></th><th>original</th><th>pruned</th><th>ratio</th></tr>\n");
        Row(h, "parameters", N(r.Before.Params), N(r.After.Params), Ratio(r.Before.Params, r.After.Params));
        Row(h, "MACs per sample", N(r.Before.Macs), N(r.After.Macs), Ratio(r.Before.Macs, r.After.Macs));
        Row(h, "Conv/Gemm/MatMul MACs", N(r.Before.ConvGemmMacs), N(r.After.ConvGemmMacs), Ratio(r.Before.ConvGemmMacs, r.After.ConvGemmMacs));
        if (r.Accuracy is { } a) Row(h, "top-1 accuracy", Pct(a.Top1Before), Pct(a.Top1After), $"{a.Top1Change * 100:+0.00;-0.00;0.00} points");
        if (r.Latency is { } lat)
            foreach (var p in lat.Batches)
                Row(h, $"median latency, batch {p.Batch}", Ms(p.BeforeMedianMs), Ms(p.AfterMedianMs), $"{F(p.Speedup)}x");
        if (r.Exactness is { } x)
            Row(h, "exactness (max relative difference)", "", x.RelativeDiff.ToString("0.00e+00", Inv), x.Passed ? "<span class=\"ok\">pass</span>" : "<span class=\"bad\">FAIL</span>", raw: true);
        h.Append("</table>\n");
        h.Append($"<p>{r.Groups.Count} prunable channel groups ({r.LockedGroups} locked); predicted MAC speedup {F(r.PredictedSpeedup)}x, achieved {F(r.MacSpeedup)}x.</p>\n</section>\n");

        if (r.Accuracy is { } acc)
        {
            h.Append("<section id=\"accuracy\">\n<h2>Accuracy</h2>\n<table>\n<tr><th></th><th>original</th><th>pruned</th><th>change</th></tr>\n");
            Row(h, "top-1", Pct(acc.Top1Before), Pct(acc.Top1After), $"{acc.Top1Change * 100:+0.00;-0.00;0.00} points");
            if (acc.Top5Before is { } t5b && acc.Top5After is { } t5a) Row(h, "top-5", Pct(t5b), Pct(t5a), $"{(t5a - t5b) * 100:+0.00;-0.00;0.00} points");
            h.Append($"</table>\n<p>On {E(acc.Data)} ({N(acc.Count)} samples), with ONNX Runtime.</p>\n</section>\n");
        }

        if (r.Latency is { } l && l.Batches.Count > 0)
        {
            h.Append("<section id=\"latency\">\n<h2>Latency</h2>\n<table>\n<tr><th>batch</th><th>original median / p90 ms</th><th>pruned median / p90 ms</th><th>speedup</th></tr>\n");
            foreach (var p in l.Batches)
                Row(h, p.Batch.ToString(Inv), $"{Ms(p.BeforeMedianMs)} / {Ms(p.BeforeP90Ms)}", $"{Ms(p.AfterMedianMs)} / {Ms(p.AfterP90Ms)}", $"{F(p.Speedup)}x");
            h.Append($"</table>\n<p>ONNX Runtime on {E(l.Provider)}, {(l.Threads > 0 ? $"{l.Threads} threads" : "default threads")}, median of {l.Runs} interleaved runs after warm-up.</p>\n");
            foreach (var p in l.Batches.Where(p => p.Speedup < 1))
                h.Append($"<p class=\"bad\">At batch {p.Batch} the pruned model is not faster ({F(p.Speedup)}x): channel counts that do not suit the runtime's kernels can cost more than the MACs saved; try <code>--round-to 8</code>.</p>\n");
            h.Append(Plot(ReportPlots.Speedups(l, r.MacSpeedup), "Measured speedup per batch size against the MAC speedup."));
            h.Append("</section>\n");
        }

        h.Append("<section id=\"groups\">\n<h2>Channel groups</h2>\n");
        if (r.Groups.Count > 0)
        {
            h.Append(Plot(ReportPlots.GroupWidths(r.Groups), "Channels of each prunable group before and after pruning."));
            h.Append("<table>\n<tr><th>group</th><th>before</th><th>after</th><th>kept</th><th>MACs depending</th><th class=\"names\">produced by</th></tr>\n");
            foreach (var g in r.Groups)
                Row(h, g.Id.ToString(Inv), g.WidthBefore.ToString(Inv), g.WidthAfter.ToString(Inv), $"{100.0 * g.WidthAfter / Math.Max(1, g.WidthBefore):0}%",
                    N(g.MacsDepending), string.Join(", ", g.Producers.Count > 0 ? g.Producers : g.Consumers));
            h.Append("</table>\n");
        }
        else
        {
            h.Append("<p>No prunable groups.</p>\n");
        }
        h.Append("</section>\n");

        if (r.Training is { Count: > 0 } t)
        {
            h.Append("<section id=\"training\">\n<h2>Training</h2>\n");
            h.Append(Plot(ReportPlots.Loss(t), "Loss per epoch."));
            h.Append(Plot(ReportPlots.Accuracy(t), "Top-1 accuracy per epoch."));
            h.Append("</section>\n");
        }

        if (r.Probabilities is { Count: > 0 } pr)
        {
            h.Append("<section id=\"probabilities\">\n<h2>Pruning probabilities</h2>\n");
            h.Append(Plot(ReportPlots.Probabilities(pr), "Probability that each unit is pruned, over training steps."));
            h.Append("</section>\n");
        }

        h.Append("<footer>Made by sppc. Plots: ScottPlot (SVG).</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    /// <summary>A four-column row; <paramref name="raw"/> marks the last cell as markup made here.</summary>
    private static void Row(StringBuilder h, string label, string a, string b, string c, bool raw = false) =>
        h.Append($"<tr><td>{E(label)}</td><td>{E(a)}</td><td>{E(b)}</td><td>{(raw ? c : E(c))}</td></tr>\n");

    private static void Row(StringBuilder h, string a, string b, string c, string d, string e, string f) =>
        h.Append($"<tr><td>{E(a)}</td><td>{E(b)}</td><td>{E(c)}</td><td>{E(d)}</td><td>{E(e)}</td><td class=\"names\">{E(f)}</td></tr>\n");

    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string N(long v) => v.ToString("N0", Inv);
    private static string F(double v) => v.ToString("0.00", Inv);
    private static string Pct(double v) => (v * 100).ToString("0.00", Inv) + "%";
    private static string Ms(double ms) => ms.ToString(ms < 1 ? "0.000" : ms < 100 ? "0.00" : "0.0", Inv);
    private static string Ratio(long a, long b) => F((double)a / Math.Max(1, b)) + "x";

    private const string Css = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
header p { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th.names, td.names { text-align: left; color: #555; max-width: 28em; overflow-wrap: anywhere; }
th { background: #f4f5f7; }
figure { margin: 1em 0; }
figure svg { width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
.ok { color: #1a7f37; font-weight: bold; }
.bad { color: #b42318; font-weight: bold; }
footer { margin-top: 2em; color: #888; font-size: 0.85em; }
""";
}
