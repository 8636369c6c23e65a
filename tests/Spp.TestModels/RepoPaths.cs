namespace Spp.TestModels;

/// <summary>Locates files of the repository from a test's working folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Spp.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Spp.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Models => Path.Combine(Root, "models");
    public static string Model(string file) => Path.Combine(Models, file);
    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    /// <summary>The reference exports copied from ../shared/models.</summary>
    public static IEnumerable<string> RealModels => Directory.GetFiles(Models, "*.onnx").Order();

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public static TempDir Temp() => new();
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("spp-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
