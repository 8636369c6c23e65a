using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spp.Pruning.Training;

namespace Spp.Pruning.Checkpoints;

/// <summary>
/// The checkpoint file, version 1, little-endian:
/// <code>
///   8 bytes   "SPPCKPT\n"
///   4 bytes   header length H (int32)
///   H bytes   UTF-8 JSON: {"version", "phase", "position", "key", "values", "tensors": [{"name", "count"}, ...]}
///   floats    every tensor's float32 values, in the header's order
///   32 bytes  SHA-256 of everything before
/// </code>
/// Written to a temporary file in the same folder, flushed to disk, then renamed over the old one,
/// so a kill at any moment leaves the previous checkpoint or the new one, never a mixture. Reading
/// checks the length against the header and the checksum, so damage of any kind is found before
/// anything is restored.
/// </summary>
public static class CheckpointFile
{
    public const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "SPPCKPT\n"u8;
    private const int Prefix = 8 + 4, Checksum = 32;

    /// <summary>Writes <paramref name="d"/> atomically; returns the file's size in bytes.</summary>
    public static long Write(string path, CheckpointData d)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints are written on little-endian machines");
        var tensors = d.Tensors.ToList();
        var header = new JsonObject
        {
            ["version"] = Version,
            ["phase"] = d.Phase,
            ["position"] = CheckpointJson.ToNode(d.Position),
            ["key"] = CheckpointJson.ToNode(d.Key),
            ["values"] = d.Values.DeepClone(),
            ["tensors"] = new JsonArray(tensors.Select(t => (JsonNode)new JsonObject { ["name"] = t.Key, ["count"] = t.Value.Length }).ToArray()),
        };
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString(CheckpointJson.Options));
        string full = Path.GetFullPath(path);
        string tmp = full + $".tmp{Environment.ProcessId}";
        try
        {
            long size;
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                void Put(ReadOnlySpan<byte> bytes)
                {
                    f.Write(bytes);
                    hash.AppendData(bytes);
                }
                Put(Magic);
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, headerBytes.Length);
                Put(length);
                Put(headerBytes);
                foreach (var (_, values) in tensors) Put(MemoryMarshal.AsBytes(values.AsSpan()));
                f.Write(hash.GetHashAndReset());
                f.Flush(flushToDisk: true);
                size = f.Length;
            }
            File.Move(tmp, full, overwrite: true);
            return size;
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Reads and checks a checkpoint; every problem is a <see cref="CheckpointFormatException"/>.</summary>
    public static CheckpointData Read(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = f.Length;
            void Take(Span<byte> into)
            {
                f.ReadExactly(into);
                hash.AppendData(into);
            }
            if (length < Prefix + Checksum) throw new CheckpointFormatException($"truncated ({length} bytes)");
            Span<byte> prefix = stackalloc byte[Prefix];
            Take(prefix);
            if (!prefix[..8].SequenceEqual(Magic)) throw new CheckpointFormatException("not an sppc checkpoint");
            int headerLength = BinaryPrimitives.ReadInt32LittleEndian(prefix[8..]);
            if (headerLength <= 0 || Prefix + (long)headerLength + Checksum > length) throw new CheckpointFormatException($"truncated ({length} bytes)");
            var headerBytes = new byte[headerLength];
            Take(headerBytes);
            var header = ParseHeader(headerBytes);

            int version = CheckpointJson.FromNode<int>(header["version"], "version");
            if (version != Version) throw new CheckpointFormatException($"format version {version}; this sppc reads version {Version}");
            var names = CheckpointJson.FromNode<List<TensorEntry>>(header["tensors"], "tensor list");
            long expected = Prefix + headerLength + Checksum + names.Sum(t => t.Count < 0 ? throw new CheckpointFormatException("damaged (negative tensor size)") : 4L * t.Count);
            if (length < expected) throw new CheckpointFormatException($"truncated ({length} of {expected} bytes)");
            if (length > expected) throw new CheckpointFormatException($"damaged ({length - expected} bytes past the end)");

            var values = header["values"] as JsonObject ?? throw new CheckpointFormatException("damaged (values missing)");
            header.Remove("values");     // detached: the checkpoint's values are a tree of their own
            var d = new CheckpointData(CheckpointJson.FromNode<string>(header["phase"], "phase"), CheckpointJson.FromNode<LoopPosition>(header["position"], "position"))
            {
                Values = values,
            };
            d.Key = CheckpointJson.FromNode<Dictionary<string, string>>(header["key"], "key");
            foreach (var t in names)
            {
                var data = new float[t.Count];
                Take(MemoryMarshal.AsBytes(data.AsSpan()));
                if (!d.Tensors.TryAdd(t.Name, data)) throw new CheckpointFormatException($"damaged (tensor {t.Name} twice)");
            }
            Span<byte> stored = stackalloc byte[Checksum];
            f.ReadExactly(stored);
            if (!stored.SequenceEqual(hash.GetHashAndReset())) throw new CheckpointFormatException("damaged (checksum mismatch)");
            return d;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"cannot read it ({e.Message.TrimEnd('.')})");
        }
    }

    private static JsonObject ParseHeader(byte[] bytes)
    {
        try
        {
            var header = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject;
            return header ?? throw new CheckpointFormatException("damaged (header is not an object)");
        }
        catch (JsonException)
        {
            throw new CheckpointFormatException("damaged (header unreadable)");
        }
    }

    private sealed record TensorEntry(string Name, int Count);
}
