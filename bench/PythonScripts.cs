using System.Diagnostics;
using System.Text.Json;

namespace Spp.Bench;

/// <summary>Runs the Python baselines in bench/python with Debian's python3 (PyTorch 1.13, onnx) and
/// reads the one JSON object each prints.</summary>
public static class PythonScripts
{
    public static string PathOf(string script) =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "python", script));

    /// <summary>The script's JSON output, or a string saying why there is none.</summary>
    public static object Run(string script, IEnumerable<string> args) => Process("/usr/bin/python3", [PathOf(script), .. args]);

    /// <summary>Runs a program that prints one JSON object as its last stdout line.</summary>
    public static object Process(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return p.ExitCode == 0 && last is not null
            ? JsonSerializer.Deserialize<JsonElement>(last)
            : $"{Path.GetFileName(program)} failed ({p.ExitCode}): {stderr.Result.Trim()}";
    }
}
