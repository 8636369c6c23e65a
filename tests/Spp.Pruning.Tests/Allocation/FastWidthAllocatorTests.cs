using Spp.Graph.Channels;
using Spp.Pruning.Allocation;
using Spp.Pruning.OneShot;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Allocation;

/// <summary>The allocation in fast widths, with a computed cost in place of ONNX Runtime: widths
/// come only from the measured envelope, the MAC target holds within 3% (short of it only where a
/// filler gave way to a faster rung), and a
/// replay of recorded costs (what the latency cache does) gives the same allocation.</summary>
public sealed class FastWidthAllocatorTests
{
    /// <summary>Costs computed from the width (and the pass: a second measurement differs a
    /// little), with every request recorded.</summary>
    private sealed class ComputedCost(Func<int, int, double> cost) : IWidthCost
    {
        public ComputedCost(Func<int, double> cost) : this((w, pass) => cost(w) * (1 + 0.02 * pass)) { }

        public Dictionary<(int Group, int Width, int Pass), double> Asked { get; } = new();

        public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0)
        {
            var result = widths.ToDictionary(w => w, w => cost(w, pass) / cost(group.Width, pass));
            foreach (var (w, c) in result) Asked[(group.Id, w, pass)] = c;
            return result;
        }
    }

    /// <summary>Answers only from recorded costs; a width it was not given fails the test.</summary>
    private sealed class ReplayedCost(IReadOnlyDictionary<(int Group, int Width, int Pass), double> recorded) : IWidthCost
    {
        public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0) =>
            widths.ToDictionary(w => w, w => recorded.TryGetValue((group.Id, w, pass), out double c) ? c
                : throw new Xunit.Sdk.XunitException($"group {group.Id} width {w} pass {pass} was not recorded"));
    }

    private static ChannelAnalysis Analyse(string file) => L1Pruner.Prepare(AllModels.Load("file:" + file)).Analysis;

    [Theory]
    [InlineData("resnet20.bn.onnx", 2)]
    [InlineData("resnet20.bn.onnx", 4)]
    [InlineData("vgg11s.bn.onnx", 2)]
    [InlineData("vgg11s.bn.onnx", 4)]
    [InlineData("mbv2s.bn.onnx", 2)]
    [InlineData("mbv2s.bn.onnx", 4)]
    public void WidthsAreOnTheEnvelopeAndTheMacTargetHolds(string file, double speedup)
    {
        var analysis = Analyse(file);
        var cost = new ComputedCost(FastWidthsTests.Blocked);
        var fast = new FastWidthAllocator(new UniformAllocator(analysis), cost);
        var a = fast.Allocate(new AllocationOptions(speedup));

        // Within 3% of the target; below it only where a filler gave way to a faster rung above it
        // (under these costs vgg11s at 4x: 88 of 128 channels cost as much as 96).
        Assert.InRange(a.PredictedSpeedup, file == "vgg11s.bn.onnx" && speedup == 4 ? speedup * 0.97 : speedup, speedup * 1.03);
        // resnet20's 16-channel groups cost as much at any narrower width under this cost: 4x
        // fewer MACs cannot be had in fast widths, and those groups go below them.
        Assert.Equal(file == "resnet20.bn.onnx" && speedup == 4, fast.BelowFast.Count > 0);
        foreach (var g in analysis.PrunableGroups)
        {
            int k = a.Kept[g.Id];
            if (a.OffLadder == g.Id) continue;
            if (fast.BelowFast.Contains(g.Id))
            {
                Assert.True(k < FastWidths.Envelope(g.Width, fast.Costs[g.Id]).Min());
                continue;
            }
            var measured = fast.Costs[g.Id];
            Assert.True(measured.ContainsKey(k), $"group {g.Id}: width {k} was not measured");
            Assert.DoesNotContain(measured, m => m.Key > k && m.Value <= measured[k]);
            // Exactly the grid: what is measured depends on the model, not on the target.
            Assert.Equal(FastWidthAllocator.Grid(g.Width, UniformAllocator.MinKept(g.Width, new AllocationOptions(speedup))), measured.Keys.Order());
        }
    }

    /// <summary>resnet20 at 4x under costs shaped like ONNX Runtime's on AVX-512: every channel
    /// saves a little below 16 (four channels less than the tolerance, so 16-channel groups have no
    /// fast width but 16), and a group wider than 16 runs 16 channels in one block, faster than 12-15. The
    /// 16-channel groups must go below 16; no group may take a width that a wider one runs as
    /// fast (the allocation once took 15 of a 32-channel group).</summary>
    [Fact]
    public void BelowFastWidthsNoGroupTakesAWidthSlowerThanAWiderOne()
    {
        static double Cost(int w) => w <= 16 ? (w == 16 ? 16 : 16 - 0.1 * (16 - w) + (w > 12 ? 3 : 0)) : 16 * Math.Ceiling(w / 16.0);
        var analysis = Analyse("resnet20.bn.onnx");
        var fast = new FastWidthAllocator(new UniformAllocator(analysis), new ComputedCost(Cost));
        var a = fast.Allocate(new AllocationOptions(4));

        Assert.InRange(a.PredictedSpeedup, 4, 4 * 1.03);
        Assert.NotEmpty(fast.BelowFast);
        foreach (var g in analysis.PrunableGroups.Where(g => a.OffLadder != g.Id))
        {
            var measured = fast.Costs[g.Id];
            int k = a.Kept[g.Id];
            Assert.True(measured.ContainsKey(k), $"group {g.Id}: width {k} was not measured");
            Assert.DoesNotContain(measured, m => m.Key > k && m.Value <= measured[k]);
        }
    }

    /// <summary>Costs that depend on the group (through its width).</summary>
    private sealed class GroupCost(Func<int, int, double> cost) : IWidthCost
    {
        public IReadOnlyDictionary<int, double> Costs(ChannelGroup group, IReadOnlyCollection<int> widths, int pass = 0) =>
            widths.ToDictionary(w => w, w => cost(group.Width, w) / cost(group.Width, group.Width));
    }

    /// <summary>resnet20 at 4x where the 16-channel groups run every narrower width slower than 16
    /// (they must still go below it: any width, there is nothing faster) while the wider groups
    /// run 16 channels in one block, faster than 13-15, and 12 and below a little faster still. Only the stuck groups take
    /// any width; the others keep widths no wider width runs as fast (all groups at once once gave
    /// the 32-channel groups 14 and 15).</summary>
    [Theory]
    [InlineData(4)]
    [InlineData(4.5)]
    public void OnlyGroupsWithNothingFasterTakeAnyWidth(double speedup)
    {
        static double Cost(int width, int w) =>
            width == 16 ? (w == 16 ? 16 : 17 + 0.1 * w)
            : w < 16 ? 16 - 0.1 * (16 - w) + (w > 12 ? 3 : 0) : 16 * Math.Ceiling(w / 16.0);
        var analysis = Analyse("resnet20.bn.onnx");
        var fast = new FastWidthAllocator(new UniformAllocator(analysis), new GroupCost(Cost));
        var a = fast.Allocate(new AllocationOptions(speedup));
        Assert.InRange(a.PredictedSpeedup, speedup * 0.97, speedup * 1.03);
        Assert.Contains(analysis.PrunableGroups, g => g.Width == 16 && a.Kept[g.Id] < 16);
        foreach (var g in analysis.PrunableGroups.Where(g => g.Width > 16 && a.OffLadder != g.Id))
        {
            var measured = fast.Costs[g.Id];
            int k = a.Kept[g.Id];
            Assert.False(measured.Any(m => m.Key > k && m.Value <= measured[k]),
                $"group {g.Id} ({g.Width}) kept {k}, which a wider width runs as fast: {string.Join(", ", a.Kept.OrderBy(kv => kv.Key).Select(kv => kv.Value))}");
        }
    }

    /// <summary>vgg11s at 4x under blocked costs: the MACs land within 3% only with one group
    /// between its rungs (88 of 128 channels), which runs no faster than the rung above (96); the
    /// rung is taken, 0.8% short of the target. Over a range of targets on all three models, a
    /// filler stays only where the rung above runs slower or would leave the 3%.</summary>
    [Fact]
    public void AFillerNoFasterThanTheRungAboveGivesWayWithinThreePercent()
    {
        var vgg = new FastWidthAllocator(new UniformAllocator(Analyse("vgg11s.bn.onnx")), new ComputedCost(FastWidthsTests.Blocked));
        var a = vgg.Allocate(new AllocationOptions(4));
        Assert.Null(a.OffLadder);
        Assert.InRange(a.PredictedSpeedup, 4 * 0.97, 4);
        Assert.All(a.Kept, kv => Assert.Contains(kv.Value, vgg.Ladders[kv.Key].Rungs));

        // The same with 88 channels measured a little faster than 96 (not by the 5% a rung needs):
        // the filler stays, and the target holds.
        var cheaper88 = new FastWidthAllocator(new UniformAllocator(Analyse("vgg11s.bn.onnx")),
            new ComputedCost(w => w == 88 ? 5.9 : FastWidthsTests.Blocked(w)));
        var kept = cheaper88.Allocate(new AllocationOptions(4));
        Assert.NotNull(kept.OffLadder);
        Assert.Equal(88, kept.Kept[kept.OffLadder!.Value]);
        Assert.InRange(kept.PredictedSpeedup, 4, 4 * 1.03);

        int fillers = 0, replaced = 0;
        foreach (string file in new[] { "resnet20.bn.onnx", "vgg11s.bn.onnx", "mbv2s.bn.onnx" })
        {
            var uniform = new UniformAllocator(Analyse(file));
            var fast = new FastWidthAllocator(uniform, new ComputedCost(w => FastWidthsTests.Blocked(w) * (1 + 0.003 * (w % 5))));
            for (double s = 1.5; s <= 4.5; s += 0.125)
            {
                var r = fast.Allocate(new AllocationOptions(s));
                Assert.InRange(r.PredictedSpeedup, s * 0.97, s * 1.03);
                if (r.PredictedSpeedup < s) replaced++;
                if (r.OffLadder is not int g) continue;
                fillers++;
                int filler = r.Kept[g];
                var costs = fast.Costs[g];
                if (fast.Ladders[g].Above(filler) is not int rung || !costs.TryGetValue(rung, out double rungCost)) continue;
                var between = costs.Where(kv => kv.Key >= filler && kv.Key < rung).Select(kv => kv.Value).ToList();
                var up = r.Kept.ToDictionary();
                up[g] = rung;
                Assert.True(between.Count == 0 || rungCost > between.Min() || uniform.OriginalMacs / uniform.MacsFor(up) < s * 0.97,
                    $"{file} {s}x: filler {filler} of group {g} kept though rung {rung} runs as fast within 3%");
            }
        }
        Assert.True(replaced > 0 && fillers > 0, $"replaced {replaced}, fillers kept {fillers}: the range exercises neither side");
    }

    [Fact]
    public void RecordedCostsGiveTheSameAllocation()
    {
        var analysis = Analyse("mbv2s.bn.onnx");
        var cost = new ComputedCost(w => FastWidthsTests.Blocked(w) * (1 + 0.01 * (w % 7)));
        var fresh = new FastWidthAllocator(new UniformAllocator(analysis), cost).Allocate(new AllocationOptions(3));
        var replayed = new FastWidthAllocator(new UniformAllocator(analysis), new ReplayedCost(cost.Asked)).Allocate(new AllocationOptions(3));
        Assert.Equal(fresh.Kept.OrderBy(kv => kv.Key), replayed.Kept.OrderBy(kv => kv.Key));
    }

    [Theory]
    [InlineData(1.05, false)]
    [InlineData(0.85, true)]
    public void AWidthMustLookFastTwice(double secondOpinion, bool fast)
    {
        // 12 of 16 channels looks 15% faster than 16 once (a disturbed measurement); the second
        // measurement decides.
        var analysis = Analyse("resnet20.bn.onnx");
        var cost = new ComputedCost((w, pass) => w == 12 ? (pass == 0 ? 0.85 : secondOpinion) : w == 16 ? 1 : 1 + 0.01 * w);
        var allocator = new FastWidthAllocator(new UniformAllocator(analysis), cost);
        allocator.Allocate(new AllocationOptions(2));
        foreach (var g in analysis.PrunableGroups.Where(g => g.Width == 16))
        {
            Assert.True(cost.Asked.ContainsKey((g.Id, 12, 1)), $"group {g.Id}: 12 not measured again");
            Assert.Equal(fast, allocator.FastOf(g.Id).Contains(12));
        }
    }

    [Fact]
    public void PinnedGroupsAreNotMeasured()
    {
        var analysis = Analyse("resnet20.bn.onnx");
        var pinned = analysis.PrunableGroups.First();
        var cost = new ComputedCost(FastWidthsTests.Blocked);
        var o = new AllocationOptions(2) { Overrides = [new GroupOverride(null, pinned.Id, 5)] };
        var a = new FastWidthAllocator(new UniformAllocator(analysis), cost).Allocate(o);
        Assert.Equal(5, a.Kept[pinned.Id]);
        Assert.DoesNotContain(cost.Asked.Keys, k => k.Group == pinned.Id);
        Assert.InRange(a.PredictedSpeedup, 2, 2 * 1.03);
    }

    [Fact]
    public void RatioWidthsRoundUpToFastWidths()
    {
        var analysis = Analyse("vgg11s.bn.onnx");
        var a = new FastWidthAllocator(new UniformAllocator(analysis), new ComputedCost(FastWidthsTests.Blocked)).Allocate(new AllocationOptions(1) { Ratio = 0.3 });
        foreach (var g in analysis.PrunableGroups)
        {
            int plain = UniformAllocator.UnroundedWidth(g.Width, 0.3, new AllocationOptions(1));
            Assert.Equal(Math.Min(g.Width, (plain + 15) / 16 * 16), a.Kept[g.Id]);
        }
    }
}
