namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Runs independent work items on up to a given number of threads. Work items must not depend on
/// which thread runs them; that is what keeps every kernel deterministic for a fixed item split.
/// </summary>
public static class CpuParallel
{
    private static int s_defaultDegree = Environment.ProcessorCount;

    /// <summary>Degree of parallelism used when a kernel is called with 0; defaults to the processor count.</summary>
    public static int DefaultDegreeOfParallelism
    {
        get => s_defaultDegree;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_defaultDegree = value;
        }
    }

    /// <summary>Maps 0 (or negative) to the default degree.</summary>
    public static int Resolve(int degreeOfParallelism) =>
        degreeOfParallelism > 0 ? degreeOfParallelism : s_defaultDegree;

    /// <summary>Runs body(0..count-1), each item once, on at most <paramref name="degree"/> threads: the caller
    /// and <see cref="SpinningWorkers"/>, or Parallel.For when those are taken (nested or concurrent calls).</summary>
    public static void For(int count, int degree, Action<int> body)
    {
        if (count <= 0) return;
        if (degree <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        if (SpinningWorkers.TryRun(count, degree, body)) return;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }
}
