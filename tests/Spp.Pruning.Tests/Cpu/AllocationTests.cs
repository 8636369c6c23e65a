using Spp.Pruning.Engine;
using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Cpu;

/// <summary>Steady-state calls allocate no data-sized memory (scratch is reused); only small per-call
/// bookkeeping (thread-pool work items, closures) is allowed.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Repeated_calls_allocate_only_bookkeeping()
    {
        using var k = new CpuKernels();
        long n = 32L * 16 * 32 * 32;
        var x = k.Allocate(n);
        k.Fill(x, 0.5f, 0, n);
        var y = k.Allocate(n);
        var dy = k.Allocate(n);
        var c = Enumerable.Range(0, 6).Select(_ => k.Allocate(16)).ToArray();
        k.Fill(c[0], 1, 0, 16);
        var conv = new ConvDesc(32, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var w = k.Allocate(16 * 16 * 9);
        var dw = k.Allocate(16 * 16 * 9);
        var bn = new BatchNormDesc(32, 16, 1024, 1e-5f, 0.9f);
        var shape = new[] { 32, 16, 32, 32 };
        var d = new BroadcastDesc(shape, shape, [1, 16, 1, 1]);
        void Calls()
        {
            k.BatchNormForward(bn, true, x, c[0], c[1], c[2], c[3], c[4], c[5], y);
            k.BatchNormBackward(bn, x, y, c[0], c[4], c[5], dy, c[1], c[2], accumulate: true);
            k.Binary(BinaryOp.Mul, d, x, c[0], y);
            k.BinaryBackward(BinaryOp.Mul, d, x, c[0], y, dy, c[1]);
            k.UnaryBackward(UnaryOp.Relu, 0, 0, x, y, dy, dy, n, accumulate: true);
            k.ConvBackwardData(conv, y, w, dy, accumulate: true);
            k.ConvBackwardWeights(conv, x, y, dw, c[1], accumulate: true);
        }
        Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // One data-sized buffer would be 2 MiB; bookkeeping for these seven calls is a few KiB.
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated by seven steady-state calls");
    }
}
