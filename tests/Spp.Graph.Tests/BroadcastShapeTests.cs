using Spp.Graph;
using Spp.Graph.Ops;

namespace Spp.Graph.Tests;

/// <summary>Numpy-style broadcasting of shapes, as ONNX's shape inference does it: a known size
/// other than 1 wins; symbols survive only when all operands agree on them.</summary>
public class BroadcastShapeTests
{
    /// <summary>Parses "2,N,?,3" into a shape ("" is a scalar).</summary>
    private static Shape S(string dims) => new(dims.Length == 0 ? [] : dims.Split(',').Select(d =>
        d == "?" ? Dim.Unknown : long.TryParse(d, out var v) ? Dim.Of(v) : Dim.Sym(d)));

    [Theory]
    [InlineData("2,3,4", "4", "2,3,4")]
    [InlineData("2,3,4", "", "2,3,4")]
    [InlineData("", "", "")]
    [InlineData("1", "5", "5")]
    [InlineData("2,1,4", "3,1", "2,3,4")]
    [InlineData("N,3,1,1", "1,3,5,5", "N,3,5,5")]
    [InlineData("N,8,4,4", "N,8,4,4", "N,8,4,4")]
    [InlineData("N,8,4,4", "N,8,1,1", "N,8,4,4")]
    [InlineData("N,1", "1,M", "N,M")]
    [InlineData("N", "3", "3")]
    [InlineData("3", "N", "3")]
    [InlineData("N", "1", "N")]
    [InlineData("?", "3", "3")]
    [InlineData("?", "1", "?")]
    [InlineData("N", "M", "?")]
    [InlineData("N", "?", "?")]
    [InlineData("?", "N", "?")]
    [InlineData("?", "?", "?")]
    public void Broadcasts(string a, string b, string expected)
    {
        Assert.Equal(S(expected), Broadcast.Shapes([S(a), S(b)]));
        Assert.Equal(S(expected), Broadcast.Shapes([S(b), S(a)]));
    }

    [Fact]
    public void ThreeOperands()
    {
        Assert.Equal(S("N,2,3"), Broadcast.Shapes([S("N,1,1"), S("2,1"), S("3")]));
        Assert.Equal(S("N,2,3"), Broadcast.Shapes([S("N,1,3"), S("N,2,1"), S("1")]));
    }

    [Fact]
    public void UnknownRankGivesUnknownShape() => Assert.Null(Broadcast.Shapes([S("2,3"), null]));

    [Theory]
    [InlineData("3", "4")]
    [InlineData("2,3", "3,2")]
    [InlineData("N,8,4,4", "N,6,4,4")]
    public void IncompatibleSizesAreAnError(string a, string b)
    {
        var e = Assert.Throws<GraphException>(() => Broadcast.Shapes([S(a), S(b)]));
        Assert.Contains("do not broadcast", e.Message);
    }
}
