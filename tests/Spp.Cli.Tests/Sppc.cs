using System.Diagnostics;
using System.Security.Cryptography;

namespace Spp.Cli.Tests;

public sealed record SppcResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the built sppc (sppc.dll beside the test assembly) as a separate process, the way
/// a user does. Every argument that names an existing file is hashed before and after the run, and
/// must be unchanged: sppc never modifies its input.</summary>
public static class Sppc
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "sppc.dll");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    /// <summary>$XDG_CACHE_HOME of every run: the latency model's default cache lives beside the
    /// tests (not in the user's home), shared by the runs of one build so each model and batch
    /// size is profiled once.</summary>
    public static string CacheHome { get; } = Path.Combine(AppContext.BaseDirectory, "xdg-cache");

    public static SppcResult Run(params string[] args)
    {
        var inputs = args.Where(File.Exists).Distinct().ToDictionary(a => a, Hash);
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["XDG_CACHE_HOME"] = CacheHome;

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"sppc {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        var result = new SppcResult(p.ExitCode, stdout.Result, stderr.Result);
        foreach (var (path, hash) in inputs)
            Assert.True(File.Exists(path) && Hash(path) == hash, $"sppc {string.Join(' ', args)} changed its input {path}");
        return result;
    }

    /// <summary>A bad-input run: exit code 2, nothing on stdout, one line on stderr that starts with
    /// "sppc: ", names <paramref name="mentions"/> and carries no stack trace.</summary>
    public static string AssertBadInput(SppcResult r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, $"exit code {r.ExitCode}, stderr: {r.Stderr}");
        Assert.Equal("", r.Stdout);
        Assert.EndsWith("\n", r.Stderr);
        var line = r.Stderr.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("sppc: ", line);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        foreach (var m in mentions) Assert.Contains(m, line);
        return line;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
