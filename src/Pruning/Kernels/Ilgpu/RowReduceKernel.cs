using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>One summand of a row reduction: term j of output row r.</summary>
public interface IRowTerm
{
    float Term(long row, long j);
}

/// <summary>Sums many terms per output with one thread group per output: the threads stride over the
/// row and ILGPU.Algorithms' group reduction combines their partial sums. Serves every per-channel or
/// per-unit statistic (Reduce, BatchNorm, bias and depthwise weight gradients, AxisDot), which have
/// few outputs and long rows, where one thread per output would leave a GPU idle.</summary>
public static class RowReduceKernel
{
    public static void Run<T>(T term, ArrayView<float> y, long rowLength, float scale, int accumulate)
        where T : struct, IRowTerm
    {
        long row = Grid.IdxX;
        var partial = 0f;
        for (long j = Group.IdxX; j < rowLength; j += Group.DimX) partial += term.Term(row, j);
        var sum = GroupExtensions.Reduce<float, AddFloat>(partial);
        if (Group.IsFirstThread) y[row] = accumulate != 0 ? y[row] + scale * sum : scale * sum;
    }

    /// <summary>One thread per output, for short rows where a group would idle.</summary>
    public static void PerThread<T>(Index1D row, T term, ArrayView<float> y, long rowLength, float scale, int accumulate)
        where T : struct, IRowTerm
    {
        var sum = 0f;
        for (long j = 0; j < rowLength; j++) sum += term.Term(row, j);
        y[row] = accumulate != 0 ? y[row] + scale * sum : scale * sum;
    }
}
