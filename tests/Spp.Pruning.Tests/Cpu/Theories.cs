namespace Spp.Pruning.Tests.Cpu;

internal static class Theories
{
    /// <summary>Every name twice: with the flag off (accumulate, log...) and on.</summary>
    public static TheoryData<string, bool> WithFlag(IEnumerable<string> names)
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in names)
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }
}
