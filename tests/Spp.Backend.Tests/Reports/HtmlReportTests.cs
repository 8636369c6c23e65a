using System.Text.RegularExpressions;
using System.Xml.Linq;
using Spp.Backend.Reports;

namespace Spp.Backend.Tests;

public class HtmlReportTests
{
    private static PruneReport Minimal() => new(
        "models/<odd> & name.onnx", "out.onnx", "l1", 2, 2.01,
        new ModelFigures(1000, 500_000, 480_000), new ModelFigures(520, 250_000, 240_000), 1,
        [
            new GroupReport(0, 16, 8, [1, 3], ["conv_0"], ["conv_1"], 100_000),
            new GroupReport(4, 32, 20, [0], ["conv_1", "conv_2"], ["gemm"], 300_000),
        ],
        new ExactnessFigures(1e-6, 3e-7, 1e-4, [1, 8], true));

    private static PruneReport Full() => Minimal() with
    {
        Accuracy = new AccuracyFigures("val.npz", 2000, 0.9305, 0.9985, 0.9215, 0.9970),
        Latency = new LatencyFigures("CPU", 0, 5, [new LatencyPoint(1, 0.30, 0.35, 0.20, 0.25), new LatencyPoint(64, 20, 21, 22, 24)]),
        Training = Enumerable.Range(0, 5).Select(e => new TrainingPoint(e, 1.0 / (e + 1), 0.8 + e * 0.02, 1.1 / (e + 1), e == 0 ? null : 0.79 + e * 0.02)).ToList(),
        Probabilities = [new ProbabilityTrajectory(4, 0, [0, 10, 20], [0.1, 0.5, 1.0]), new ProbabilityTrajectory(4, 7, [0, 10, 20], [0.1, 0.05, 0])],
    };

    private static List<string> Sections(string html) =>
        Regex.Matches(html, "<section id=\"([a-z]+)\">").Select(m => m.Groups[1].Value).ToList();

    /// <summary>Each SVG must be well-formed XML on its own and carry drawn content.</summary>
    private static List<XElement> Plots(string html)
    {
        var svgs = Regex.Matches(html, "<svg.*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();
        foreach (var s in svgs)
        {
            Assert.NotNull(s.Attribute("viewBox"));
            Assert.True(s.Descendants().Count(e => e.Name.LocalName is "path" or "rect") > 5);
        }
        return svgs;
    }

    [Fact]
    public void AllSectionsWithTheirPlotsWhenAllSeriesAreGiven()
    {
        var html = HtmlReport.Render(Full(), new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Equal(["summary", "accuracy", "latency", "groups", "training", "probabilities"], Sections(html));
        // speedup, group widths, loss, accuracy, probabilities
        Assert.Equal(5, Plots(html).Count);
        Assert.Contains("2026-01-02 03:04 UTC", html);
        Assert.Contains("<td>top-1</td><td>93.05%</td><td>92.15%</td><td>-0.90 points</td>", html);
        Assert.Contains("<td>64</td><td>20.00 / 21.00</td><td>22.00 / 24.00</td><td>0.91x</td>", html);
        Assert.Contains("At batch 64 the pruned model is not faster (0.91x)", html);
        Assert.DoesNotContain("At batch 1 ", html);
        Assert.Contains("group 4 unit 7", html);
    }

    [Fact]
    public void MissingSeriesLeaveTheirSectionsOut()
    {
        var html = HtmlReport.Render(Minimal());
        Assert.Equal(["summary", "groups"], Sections(html));
        Assert.Single(Plots(html));
        Assert.Contains("<td>parameters</td><td>1,000</td><td>520</td><td>1.92x</td>", html);
        Assert.Contains("<td>4</td><td>32</td><td>20</td><td>63%</td><td>300,000</td><td class=\"names\">conv_1, conv_2</td>", html);
    }

    [Fact]
    public void SelfContainedAndEscaped()
    {
        var html = HtmlReport.Render(Full());
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotMatch("(?i)<(script|link|img|iframe)\\b", html);
        Assert.DoesNotMatch("(?i)\\bsrc=", html);
        // Every reference points inside the page, and ids are unique across the plots.
        foreach (Match m in Regex.Matches(html, "(?:href=\"|url\\()([^\")]*)"))
            Assert.StartsWith("#", m.Groups[1].Value);
        var ids = Regex.Matches(html, "\\bid=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (Match m in Regex.Matches(html, "url\\(#([^)]+)\\)")) Assert.Contains(m.Groups[1].Value, ids);
        Assert.Contains("models/&lt;odd&gt; &amp; name.onnx", html);
        Assert.DoesNotContain("<odd>", html);
    }

    [Fact]
    public void ReportJsonKeepsTheNewSectionsAndOmitsAbsentOnes()
    {
        var full = Full();
        var back = PruneReport.FromJson(full.ToJson());
        Assert.Equal(full.Accuracy, back.Accuracy);
        Assert.Equal(full.Latency!.Batches, back.Latency!.Batches);
        Assert.Equal(full.Training, back.Training);
        Assert.Equal(full.Probabilities![1].Probabilities, back.Probabilities![1].Probabilities);
        var minimal = Minimal().ToJson();
        foreach (var key in new[] { "accuracy", "latency", "training", "probabilities" }) Assert.DoesNotContain($"\"{key}\"", minimal);
    }
}
