using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Spp.Graph;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Data;
using Spp.Pruning.Engine;
using Spp.Pruning.Training;

namespace Spp.Cli.Pipeline;

/// <summary>
/// What a checkpoint is keyed to: everything that changes the trained weights. The model file's
/// SHA-256 (and its tensors' when they live in external files), the identity of the training and
/// validation data (full path, sample count, size and modification time of the file or of every
/// file under the folder), the backend the kernels run on, every training option, the
/// preprocessing, and the pruning flags of the main job. Output paths are not part of it.
/// </summary>
public static class CheckpointKeys
{
    public static Dictionary<string, string> For(string command, string modelPath, Model model, DataSource train, DataSource? val,
        TrainingOptions t, Preprocessing pre, IKernels kernels, object? pruning = null)
    {
        var root = new JsonObject
        {
            ["command"] = command,
            ["model"] = ModelHash(modelPath, model),
            ["data"] = Identity(train),
            ["val"] = val is null ? "none" : Identity(val),
            ["device"] = kernels.Name,
            ["training"] = CheckpointJson.ToNode(t),
            ["preprocessing"] = CheckpointJson.ToNode(pre),
        };
        if (pruning is not null) root["pruning"] = CheckpointJson.ToNode(pruning);
        var key = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(root, "", key);
        return key;
    }

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string> into)
    {
        if (node is JsonObject o)
            foreach (var (name, child) in o) Flatten(child, prefix.Length == 0 ? name : $"{prefix}.{name}", into);
        else
            into[prefix] = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString(CheckpointJson.Options) ?? "null";
    }

    private static string ModelHash(string path, Model model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var f = File.OpenRead(path))
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = f.Read(buffer)) > 0) sha.AppendData(buffer.AsSpan(0, n));
        }
        // External data files can change without the .onnx file changing: hash the tensors they hold.
        if (model.UsesExternalData)
            foreach (var t in model.Graph.Initializers.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                sha.AppendData(Encoding.UTF8.GetBytes(t.Name));
                sha.AppendData(t.RawData);
            }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Identity(DataSource s)
    {
        string full = Path.GetFullPath(s.Path);
        string files = File.Exists(full) ? Describe(new FileInfo(full))
            : Directory.Exists(full) ? FolderHash(full)
            : "missing";
        return $"{full} ({s.Count} samples, {s.ClassCount?.ToString() ?? "no"} classes, {files})";
    }

    private static string Describe(FileInfo f) => $"{f.Length} bytes, modified {f.LastWriteTimeUtc.Ticks}";

    private static string FolderHash(string folder)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            sha.AppendData(Encoding.UTF8.GetBytes($"{Path.GetRelativePath(folder, f)}\n{Describe(new FileInfo(f))}\n"));
        return "files " + Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}
