using Spp.Backend.Onnx;
using Spp.Frontend;
using Spp.Graph;

namespace Spp.Cli;

/// <summary>Loading the user's model and checking output paths, with usage errors for every
/// problem a user can cause.</summary>
public static class ModelFiles
{
    public static Model Load(string path)
    {
        try
        {
            return OnnxReader.Read(path);
        }
        catch (ModelLoadException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Writes the output model atomically; a folder that cannot be written (permissions,
    /// read-only or full file system) is the user's to fix, reported as one line.</summary>
    public static void Save(Model model, string output)
    {
        try
        {
            OnnxWriter.Write(model, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception names the temporary file; say what it means for the output instead.
            string reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "its folder does not accept new files",
                _ => e.Message,
            };
            throw new UsageException($"{output}: cannot write the output: {reason}");
        }
    }

    /// <summary>Rejects an output path that would overwrite the input model or its external data.</summary>
    public static void CheckOutput(string input, string output)
    {
        string i = Path.GetFullPath(input), o = Path.GetFullPath(output);
        if (string.Equals(i, o, StringComparison.Ordinal) || string.Equals(i, o + ".data", StringComparison.Ordinal))
            throw new UsageException($"{output}: output path is the input model; sppc never overwrites its input");
        if (Directory.Exists(o)) throw new UsageException($"{output}: output path is a directory");
        var dir = Path.GetDirectoryName(o);
        if (dir is not null && !Directory.Exists(dir)) throw new UsageException($"{output}: folder '{dir}' does not exist");
    }
}
