using Spp.Pruning.Engine;

namespace Spp.Pruning.Tests.Engine;

/// <summary>The counter-based generator against values from an independent Python implementation
/// of its definition, each backend's RandomMask against it, and Dropout in training mode.</summary>
[Collection(IlgpuCpuEngineCollection.Name)]
public sealed class RandomMaskTests
{
    [Theory]
    [InlineData(0UL, 0UL, 0xa706dd2f4d197e6fUL, 0.6524484753608704f)]
    [InlineData(1UL, 0UL, 0x5e41ab087439611eUL, 0.3681895136833191f)]
    [InlineData(42UL, 7UL, 0xbc16a3d4cc48678eUL, 0.7347204089164734f)]
    [InlineData(9223372036854775813UL, 123456789UL, 0x24a82a3cf3a20d78UL, 0.14319097995758057f)]
    public void Counter_random_matches_its_definition(ulong seed, ulong index, ulong bits, float uniform)
    {
        Assert.Equal(bits, CounterRandom.Bits(seed, index));
        Assert.Equal(uniform, CounterRandom.Uniform(seed, index));
    }

    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Random_mask_is_the_counter_generator_thresholded(string backend)
    {
        using var k = Backends.Create(backend);
        const int n = 20000;
        const float keep = 0.7f;
        using var mask = k.Allocate(n);
        k.RandomMask(mask, n, keep, 1234, 500);
        var m = new float[n];
        k.Download(mask, m);
        for (int i = 0; i < n; i++)
            Assert.Equal(CounterRandom.Uniform(1234, 500 + (ulong)i) < keep ? 1 / keep : 0, m[i]);
        double kept = m.Count(v => v != 0) / (double)n;
        // Binomial standard deviation sqrt(0.21 / 20000) = 0.0032: five of them.
        Assert.InRange(kept, keep - 0.016, keep + 0.016);
    }

    [Theory]
    [MemberData(nameof(Backends.Names), MemberType = typeof(Backends))]
    public void Dropout_in_training_keeps_scaled_inputs_and_changes_mask_with_the_step(string backend)
    {
        var c = OpCatalog.Find("Dropout_train");
        var model = c.Build();
        var x = c.Inputs(model, seed: 1);
        using var run = new EngineRun(model, c.Batch, backend, training: true, seed: 9);
        run.SetInputs(x);
        var input = x["x"].ToFloats();
        var first = run.Forward()[0];
        for (int i = 0; i < input.Length; i++) Assert.True(first[i] == 0 || first[i] == input[i] * (1 / 0.7f), $"element {i}: {first[i]} from {input[i]}");
        Assert.Equal(first, run.Forward()[0]);
        run.Ctx.Step = 1;
        Assert.NotEqual(first, run.Forward()[0]);
        run.Ctx.Training = false;
        Assert.Equal(input, run.Forward()[0]);
    }
}
