using System.Text.Json.Nodes;
using Spp.Pruning.Checkpoints;
using Spp.Pruning.Training;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Training;

/// <summary>The checkpoint file keeps values exactly, is only used for the inputs it was made for,
/// and any damage is found before anything is restored (one note, and the run starts over).</summary>
public sealed class CheckpointFileTests
{
    private static readonly Dictionary<string, string> Key = new() { ["model"] = "sha256:abc", ["training.lr"] = "0.005", ["training.seed"] = "0" };

    private static CheckpointData Sample()
    {
        var d = new CheckpointData("spp", new LoopPosition(17, 1.0 / 3, 5, 8)) { Key = Key };
        d.Values["curve"] = CheckpointJson.ToNode(new List<CurvePoint> { new("spp", 4, double.NaN, 0.25, 0.1 + 0.2, null) });
        d.Values["p"] = CheckpointJson.ToNode(new[] { Math.PI, 1e-300, -0.0, double.Epsilon });
        d.Tensors["weight:w"] = [1.5f, -0f, float.MaxValue, float.Epsilon, float.NaN];
        d.Tensors["velocity:w"] = [];
        return d;
    }

    [Fact]
    public void Round_trip_keeps_every_value_bit_for_bit()
    {
        using var tmp = RepoPaths.Temp();
        var d = Sample();
        long size = CheckpointFile.Write(tmp.File("c"), d);
        Assert.Equal(new FileInfo(tmp.File("c")).Length, size);
        var back = CheckpointFile.Read(tmp.File("c"));
        Assert.Equal((d.Phase, d.Position), (back.Phase, back.Position));
        Assert.Equal(Key, back.Key);
        Assert.Equal(CheckpointJson.FromNode<List<CurvePoint>>(d.Values["curve"], "c"), CheckpointJson.FromNode<List<CurvePoint>>(back.Values["curve"], "c"));
        Assert.Equal(new[] { Math.PI, 1e-300, -0.0, double.Epsilon }.Select(BitConverter.DoubleToInt64Bits),
            CheckpointJson.FromNode<double[]>(back.Values["p"], "p").Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(d.Tensors["weight:w"].Select(BitConverter.SingleToInt32Bits), back.Tensors["weight:w"].Select(BitConverter.SingleToInt32Bits));
        Assert.Empty(back.Tensors["velocity:w"]);
        Assert.Single(Directory.GetFiles(tmp.Path));   // no temporary file left behind
    }

    [Fact]
    public void A_checkpoint_of_other_inputs_is_ignored_with_a_note_naming_the_difference()
    {
        using var tmp = RepoPaths.Temp();
        CheckpointFile.Write(tmp.File("c"), Sample());
        var notes = new List<string>();
        var other = new Dictionary<string, string>(Key) { ["training.lr"] = "0.01" };
        var s = CheckpointSession.Open(tmp.File("c"), other, restart: false, CancellationToken.None, notes.Add);
        Assert.Null(s.Resume);
        var note = Assert.Single(notes);
        Assert.Contains("training.lr: 0.005 there, 0.01 here", note);
        Assert.DoesNotContain('\n', note);

        notes.Clear();
        Assert.NotNull(CheckpointSession.Open(tmp.File("c"), Key, restart: false, CancellationToken.None, notes.Add).Resume);
        Assert.Null(CheckpointSession.Open(tmp.File("c"), Key, restart: true, CancellationToken.None, notes.Add).Resume);
        Assert.Empty(notes);
    }

    public static TheoryData<string, int> Damage => new()
    {
        { "truncated", -1 },        // cut in the checksum
        { "truncated", -40 },       // cut in the floats
        { "truncated", 10 },        // cut in the prefix (keep 10 bytes)
        { "damaged", 0 },           // one float flipped
        { "not an sppc checkpoint", 1 },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damage_is_found_before_anything_is_used(string expected, int how)
    {
        using var tmp = RepoPaths.Temp();
        string path = tmp.File("c");
        CheckpointFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        bytes = how switch
        {
            0 => Flip(bytes, bytes.Length - 40),
            1 => Flip(bytes, 0),
            < 0 => bytes[..(bytes.Length + how)],
            _ => bytes[..how],
        };
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(expected, e.Message);
        var notes = new List<string>();
        Assert.Null(CheckpointSession.Open(path, Key, restart: false, CancellationToken.None, notes.Add).Resume);
        Assert.Contains(expected, Assert.Single(notes));
    }

    [Fact]
    public void Another_format_version_is_named()
    {
        using var tmp = RepoPaths.Temp();
        string path = tmp.File("c");
        CheckpointFile.Write(path, Sample());
        var text = File.ReadAllBytes(path);
        // Same length, version 1 -> 9 in the header; the checksum then fails too, but the version is read first.
        int at = System.Text.Encoding.ASCII.GetString(text).IndexOf("\"version\":1", StringComparison.Ordinal) + "\"version\":".Length;
        text[at] = (byte)'9';
        File.WriteAllBytes(path, text);
        Assert.Contains("format version 9", Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path)).Message);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x40;
        return copy;
    }

    [Fact]
    public void An_unwritable_checkpoint_costs_a_note_not_the_run()
    {
        using var tmp = RepoPaths.Temp();
        var notes = new List<string>();
        var s = CheckpointSession.Open(tmp.File("missing-folder/c"), Key, false, CancellationToken.None, notes.Add);
        var d = new CheckpointData("fine-tune", LoopPosition.Start) { Values = new JsonObject() };
        s.Save(d);
        s.Save(d);
        Assert.Contains("continuing without checkpoints", Assert.Single(notes));
    }

    [Fact]
    public void A_finished_run_removes_its_checkpoint_and_temporary_files_a_kill_left()
    {
        using var tmp = RepoPaths.Temp();
        CheckpointFile.Write(tmp.File("c"), Sample());
        File.WriteAllText(tmp.File("c.tmp4242"), "half a checkpoint");
        File.WriteAllText(tmp.File("other"), "not ours");
        CheckpointSession.Open(tmp.File("c"), Key, false, CancellationToken.None, Assert.Fail).Complete();
        Assert.Equal([tmp.File("other")], Directory.GetFiles(tmp.Path));
    }
}
