using ScottPlot;

namespace Spp.Backend.Reports;

/// <summary>
/// The report's plots, drawn with ScottPlot and returned as SVG documents. Each takes the report's
/// own records so the HTML page only arranges them.
/// </summary>
public static class ReportPlots
{
    private const int Width = 900, Height = 380;
    private static readonly Color Before = Color.FromHex("#b0b7c3"), After = Color.FromHex("#1f77b4"), Accent = Color.FromHex("#d62728");

    /// <summary>Channels per group before (grey) and after (blue), groups along x.</summary>
    public static string GroupWidths(IReadOnlyList<GroupReport> groups)
    {
        var plt = NewPlot("Channels per prunable group", "group", "channels");
        for (int i = 0; i < groups.Count; i++)
        {
            plt.Add.Bar(new Bar { Position = i - 0.2, Value = groups[i].WidthBefore, FillColor = Before, Size = 0.4, LineWidth = 0 });
            plt.Add.Bar(new Bar { Position = i + 0.2, Value = groups[i].WidthAfter, FillColor = After, Size = 0.4, LineWidth = 0 });
        }
        GroupTicks(plt, groups.Select(g => g.Id.ToString()).ToList());
        Legend(plt, ("before", Before), ("after", After));
        plt.Axes.Margins(bottom: 0);
        return Render(plt);
    }

    /// <summary>Measured speedup per batch size as bars, the MAC speedup as a dashed line: how much
    /// of the predicted gain the runtime delivers.</summary>
    public static string Speedups(LatencyFigures latency, double macSpeedup)
    {
        var plt = NewPlot($"Measured speedup (ONNX Runtime, {latency.Provider})", "batch size", "original / pruned latency");
        for (int i = 0; i < latency.Batches.Count; i++)
        {
            var p = latency.Batches[i];
            plt.Add.Bar(new Bar { Position = i, Value = p.Speedup, FillColor = p.Speedup >= 1 ? After : Accent, Size = 0.6, LineWidth = 0, Label = $"{p.Speedup:0.00}x" });
        }
        plt.Add.HorizontalLine(macSpeedup, 2, Color.FromHex("#444444"), LinePattern.Dashed);
        plt.Add.HorizontalLine(1, 1, Color.FromHex("#888888"));
        GroupTicks(plt, latency.Batches.Select(b => b.Batch.ToString()).ToList());
        var legend = new List<(string, Color)>();
        if (latency.Batches.Any(b => b.Speedup >= 1)) legend.Add(("measured", After));
        if (latency.Batches.Any(b => b.Speedup < 1)) legend.Add(("slower than the original", Accent));
        legend.Add(($"MAC speedup {macSpeedup:0.00}x", Color.FromHex("#444444")));
        Legend(plt, [.. legend]);
        plt.Axes.SetLimitsY(0, Math.Max(macSpeedup, latency.Batches.Max(b => b.Speedup)) * 1.15);
        return Render(plt);
    }

    /// <summary>Training and validation loss over epochs.</summary>
    public static string Loss(IReadOnlyList<TrainingPoint> points) =>
        Curves("Loss", "loss", points, (p => p.TrainLoss, "training"), (p => p.ValLoss, "validation"));

    /// <summary>Training and validation top-1 accuracy (percent) over epochs.</summary>
    public static string Accuracy(IReadOnlyList<TrainingPoint> points) =>
        Curves("Top-1 accuracy", "top-1 (%)", points, (p => p.TrainTop1 * 100, "training"), (p => p.ValTop1 * 100, "validation"));

    /// <summary>Pruning probability of each given unit over training steps.</summary>
    public static string Probabilities(IReadOnlyList<ProbabilityTrajectory> trajectories)
    {
        var plt = NewPlot("Pruning probability of selected units", "step", "probability");
        foreach (var t in trajectories)
        {
            if (t.Steps.Count != t.Probabilities.Count)
                throw new ArgumentException($"group {t.Group} unit {t.Unit}: {t.Steps.Count} steps but {t.Probabilities.Count} probabilities");
            var s = plt.Add.Scatter(t.Steps.ToArray(), t.Probabilities.ToArray());
            s.MarkerSize = 0;
            s.LineWidth = 2;
            s.LegendText = $"group {t.Group} unit {t.Unit}";
        }
        plt.Axes.SetLimitsY(-0.02, 1.02);
        plt.ShowLegend(Edge.Right);
        return Render(plt);
    }

    private static string Curves(string title, string yLabel, IReadOnlyList<TrainingPoint> points, params (Func<TrainingPoint, double?> Value, string Label)[] series)
    {
        var plt = NewPlot(title, "epoch", yLabel);
        foreach (var (value, label) in series)
        {
            var pts = points.Where(p => value(p) is { } v && double.IsFinite(v)).ToList();
            if (pts.Count == 0) continue;
            var s = plt.Add.Scatter(pts.Select(p => p.Epoch).ToArray(), pts.Select(p => value(p)!.Value).ToArray());
            s.LineWidth = 2;
            s.MarkerSize = pts.Count <= 40 ? 5 : 0;
            s.LegendText = label;
        }
        plt.ShowLegend(Edge.Right);
        return Render(plt);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plt = new Plot();
        // One sans-serif face for every label; the browser substitutes its own if it lacks it.
        plt.Font.Set("DejaVu Sans");
        plt.Title(title);
        plt.XLabel(x);
        plt.YLabel(y);
        return plt;
    }

    /// <summary>Categorical x ticks at 0..n-1; with many categories only every k-th is labelled.</summary>
    private static void GroupTicks(Plot plt, IReadOnlyList<string> labels)
    {
        int step = Math.Max(1, (int)Math.Ceiling(labels.Count / 40.0));
        var positions = Enumerable.Range(0, labels.Count).Where(i => i % step == 0).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions.Select(i => (double)i).ToArray(), positions.Select(i => labels[i]).ToArray());
        plt.HideGrid();
    }

    private static void Legend(Plot plt, params (string Label, Color Color)[] items)
    {
        plt.Legend.ManualItems.Clear();
        foreach (var (label, color) in items)
            plt.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        plt.ShowLegend(Edge.Right);
    }

    private static string Render(Plot plt) => plt.GetSvgXml(Width, Height);
}
