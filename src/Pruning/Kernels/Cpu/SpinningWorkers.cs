using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Dedicated worker threads for <see cref="CpuParallel.For"/> that spin for a short while after each job
/// before they block, as OpenMP runtimes do. A training step is a few hundred kernel calls of 0.05-5 ms
/// each; the thread pool's workers are usually asleep when one starts, and for short calls the caller
/// often finished every item itself before a worker woke (measured: two 50 us items took 95-104 us of
/// 100 in most runs). One job runs at a time: a call made while another runs, or from a worker, returns
/// false and the caller falls back to Parallel.For. Items are taken from a shared counter, so which
/// thread runs an item varies; kernels never let that change a result.
/// </summary>
internal static class SpinningWorkers
{
    /// <summary>How long an idle worker spins for the next job before it blocks (a kernel call's gap is
    /// microseconds; a pause between training steps or phases is not).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 us
    private const int MaxWorkers = 63;

    private static readonly object s_grow = new();
    private static readonly SemaphoreSlim s_wake = new(0);
    private static int s_workers;
    private static int s_sleepers;
    private static int s_busy;
    private static Job? s_job;
    [ThreadStatic] private static bool t_isWorker;

    private sealed class Job(long id, int count, int helpers, Action<int> body)
    {
        public readonly long Id = id;
        public readonly int Count = count;
        public readonly Action<int> Body = body;
        public int Seats = helpers, Next, Completed;
        public volatile bool Failed;
        public ConcurrentQueue<Exception>? Errors;

        /// <summary>Takes items until none is left; after a failure the rest are counted, not run.</summary>
        public void RunItems()
        {
            for (int i; (i = Interlocked.Increment(ref Next) - 1) < Count;)
            {
                if (!Failed)
                {
                    try
                    {
                        Body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref Errors, new ConcurrentQueue<Exception>(), null);
                        Errors.Enqueue(e);
                        Failed = true;
                    }
                }
                Interlocked.Increment(ref Completed);
            }
        }
    }

    private static long s_lastId;

    /// <summary>Runs body(0..count-1) on the caller and up to degree - 1 workers; false (nothing run) when
    /// another job holds the workers or the caller is a worker. Throws AggregateException as Parallel.For.</summary>
    public static bool TryRun(int count, int degree, Action<int> body)
    {
        if (t_isWorker || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
        Job job;
        try
        {
            int helpers = Math.Min(Math.Min(degree, count) - 1, MaxWorkers);
            EnsureWorkers(helpers);
            job = new Job(++s_lastId, count, helpers, body);
            Volatile.Write(ref s_job, job);
            int sleeping = Interlocked.Exchange(ref s_sleepers, 0);
            if (sleeping > 0) s_wake.Release(sleeping);
            job.RunItems();
            var wait = new SpinWait();
            while (Volatile.Read(ref job.Completed) < count) wait.SpinOnce(sleep1Threshold: -1);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
        if (job.Errors is { } errors) throw new AggregateException(errors);
        return true;
    }

    private static void EnsureWorkers(int wanted)
    {
        if (Volatile.Read(ref s_workers) >= wanted) return;
        lock (s_grow)
        {
            while (s_workers < wanted)
            {
                new Thread(WorkerLoop) { IsBackground = true, Name = $"sppc cpu worker {s_workers + 1}" }.Start();
                s_workers++;
            }
        }
    }

    private static void WorkerLoop()
    {
        t_isWorker = true;
        // Nothing counts as seen yet: the job that made this worker was published before the thread got to
        // run, and taking it as seen left that job's items to the caller alone (items waiting on each other
        // then hung). A finished job's leftover seat is harmless: its item counter is exhausted.
        long seen = 0;
        while (true)
        {
            var job = WaitForJob(seen);
            seen = job.Id;
            if (Interlocked.Decrement(ref job.Seats) >= 0) job.RunItems();
        }
    }

    /// <summary>The first job newer than <paramref name="seen"/>: spinning for <see cref="SpinTicks"/>, then blocking.</summary>
    private static Job WaitForJob(long seen)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (Volatile.Read(ref s_job) is { } job && job.Id != seen) return job;
            if (Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(20);
                continue;
            }
            // Announce the sleep, then look once more: a job published in between is not missed (a wake-up
            // released for this worker then is spent by a later sleep, which just loops once more).
            Interlocked.Increment(ref s_sleepers);
            if (Volatile.Read(ref s_job) is { } late && late.Id != seen) return late;
            s_wake.Wait();
            start = Stopwatch.GetTimestamp();
        }
    }
}
