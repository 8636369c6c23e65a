using System.Text.RegularExpressions;

namespace Spp.Backend.Reports;

/// <summary>
/// Makes a standalone SVG document fit for inlining in HTML: the XML declaration and namespace
/// declarations go (HTML's parser supplies the SVG namespace, and the file must not contain any
/// URL), the fixed size becomes a viewBox so the plot scales with the page, and element ids get a
/// per-plot prefix, because ids (clip paths) are document-wide once several plots share a page.
/// </summary>
public static partial class SvgInline
{
    public static string Prepare(string svg, string idPrefix)
    {
        svg = XmlDeclaration().Replace(svg, "");
        svg = NamespaceAttribute().Replace(svg, "");
        svg = IdAttribute().Replace(svg, m => $"id=\"{idPrefix}{m.Groups[1].Value}\"");
        svg = UrlReference().Replace(svg, m => $"url(#{idPrefix}{m.Groups[1].Value})");
        svg = HrefReference().Replace(svg, m => $"{m.Groups[1].Value}=\"#{idPrefix}{m.Groups[2].Value}\"");
        var root = RootSize().Match(svg);
        if (root.Success)
        {
            string w = root.Groups[1].Value, h = root.Groups[2].Value;
            svg = svg[..root.Index] + $"<svg viewBox=\"0 0 {w} {h}\" role=\"img\" preserveAspectRatio=\"xMidYMid meet\"" + svg[(root.Index + root.Length)..];
        }
        return svg.Trim();
    }

    [GeneratedRegex(@"<\?xml[^>]*\?>")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex(@"\s+xmlns(:\w+)?=""[^""]*""")]
    private static partial Regex NamespaceAttribute();

    [GeneratedRegex(@"\bid=""([^""]+)""")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex(@"((?:xlink:)?href)=""#([^""]+)""")]
    private static partial Regex HrefReference();

    [GeneratedRegex(@"<svg\s+width=""([\d.]+)""\s+height=""([\d.]+)""")]
    private static partial Regex RootSize();
}
