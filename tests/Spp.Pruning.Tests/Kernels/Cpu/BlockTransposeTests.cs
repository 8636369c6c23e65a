using System.Runtime.Intrinsics;
using Spp.Pruning.Kernels.Cpu;

namespace Spp.Pruning.Tests.Kernels.Cpu;

public unsafe class BlockTransposeTests
{
    /// <summary>Against the scalar definition: partial source rows and columns (read as zero), partial
    /// destination rows and columns (left alone), bias, and adding onto the destination.</summary>
    [Theory]
    [InlineData(16, 16, 16, 16, false, false)]
    [InlineData(7, 16, 11, 7, true, false)]
    [InlineData(16, 5, 5, 16, false, true)]
    [InlineData(0, 9, 9, 16, false, false)]
    [InlineData(13, 3, 16, 13, true, true)]
    public void MatchesScalarTranspose(int rows, int columns, int dstRows, int dstColumns, bool withBias, bool accumulate)
    {
        // The block transpose is AVX-512 code, run only by layouts that exist where it is accelerated.
        if (!Vector512.IsHardwareAccelerated) return;
        const int ldSrc = 21, ldDst = 19;
        var src = TestData.Random(41, 16 * ldSrc);
        var bias = TestData.Random(42, 16);
        var before = TestData.Random(43, 16 * ldDst);
        var dst = (float[])before.Clone();
        fixed (float* s = src, d = dst, b = bias)
            BlockTranspose.Block(s, ldSrc, rows, columns, d, ldDst, dstRows, dstColumns, withBias ? b : null, accumulate);
        for (int j = 0; j < 16; j++)
            for (int i = 0; i < ldDst; i++)
            {
                float expected = before[j * ldDst + i];
                if (j < dstRows && i < dstColumns)
                {
                    float value = i < rows && j < columns ? src[i * ldSrc + j] : 0f;
                    if (withBias) value += bias[j];
                    expected = accumulate ? expected + value : value;
                }
                Assert.True(expected == dst[j * ldDst + i], $"dst[{j}, {i}]: expected {expected}, got {dst[j * ldDst + i]}");
            }
    }
}
