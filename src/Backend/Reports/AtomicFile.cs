namespace Spp.Backend.Reports;

/// <summary>Writes a text file through a temporary file and a rename, so that a reader (or a
/// Ctrl-C) never sees half of it.</summary>
public static class AtomicFile
{
    public static void WriteText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + $".tmp{Environment.ProcessId}";
        try
        {
            File.WriteAllText(tmp, text);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
