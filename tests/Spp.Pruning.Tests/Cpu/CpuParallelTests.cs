using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>CpuParallel.For on its spinning workers: every item once, real concurrency, nesting, concurrent
/// callers and failures (which must leave the workers usable).</summary>
public sealed class CpuParallelTests
{
    [Fact]
    public void Every_item_runs_exactly_once_for_any_count_and_degree()
    {
        var rng = new Random(3);
        for (int call = 0; call < 2000; call++)
        {
            int count = rng.Next(1, 40), degree = rng.Next(1, 6);
            var runs = new int[count];
            CpuParallel.For(count, degree, i => Interlocked.Increment(ref runs[i]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void Two_items_run_at_the_same_time_with_degree_two()
    {
        // Each item waits until both have started: only two threads at once can finish this.
        for (int call = 0; call < 50; call++)
        {
            using var bothStarted = new CountdownEvent(2);
            bool together = true;
            CpuParallel.For(2, 2, _ =>
            {
                bothStarted.Signal();
                if (!bothStarted.Wait(TimeSpan.FromSeconds(20))) together = false;
            });
            Assert.True(together, $"call {call}: the two items never ran at the same time");
        }
    }

    [Fact]
    public void Nested_calls_run_all_their_items()
    {
        var runs = new int[8 * 16];
        CpuParallel.For(8, 2, outer => CpuParallel.For(16, 2, inner => Interlocked.Increment(ref runs[outer * 16 + inner])));
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void Concurrent_callers_each_get_all_their_items()
    {
        const int Callers = 4, Calls = 300;
        var totals = new long[Callers];
        Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, c =>
        {
            for (int call = 0; call < Calls; call++)
                CpuParallel.For(10, 2, i => Interlocked.Add(ref totals[c], i + 1));
        });
        Assert.All(totals, t => Assert.Equal(Calls * 55L, t));
    }

    [Fact]
    public void A_failing_item_surfaces_as_an_aggregate_and_the_workers_stay_usable()
    {
        var error = Assert.Throws<AggregateException>(() =>
            CpuParallel.For(32, 2, i => { if (i == 17) throw new InvalidOperationException("item 17"); }));
        Assert.Contains(error.InnerExceptions, e => e is InvalidOperationException { Message: "item 17" });
        var runs = new int[32];
        CpuParallel.For(32, 2, i => Interlocked.Increment(ref runs[i]));
        Assert.All(runs, r => Assert.Equal(1, r));
    }
}
