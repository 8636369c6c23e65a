namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Geometry of an NCHW float32 2-d convolution: input [Batch, InChannels, InHeight, InWidth], weight
/// [OutChannels, InChannels / Groups, KernelHeight, KernelWidth], output [Batch, OutChannels, OutHeight,
/// OutWidth]. Padding is given per side (ONNX pads: top, left, bottom, right).
/// </summary>
public readonly record struct Conv2dShape(int Batch, int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth)
{
    public int StrideH { get; init; } = 1;
    public int StrideW { get; init; } = 1;
    public int DilationH { get; init; } = 1;
    public int DilationW { get; init; } = 1;
    public int PadTop { get; init; }
    public int PadLeft { get; init; }
    public int PadBottom { get; init; }
    public int PadRight { get; init; }
    public int Groups { get; init; } = 1;

    public int OutHeight => (InHeight + PadTop + PadBottom - DilationH * (KernelHeight - 1) - 1) / StrideH + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - DilationW * (KernelWidth - 1) - 1) / StrideW + 1;

    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;
    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;
    /// <summary>Rows of the im2col matrix of one group: GroupInChannels * KernelHeight * KernelWidth.</summary>
    public int PatchSize => GroupInChannels * KernelHeight * KernelWidth;

    public long InputLength => (long)Batch * InChannels * InHeight * InWidth;
    public long OutputLength => (long)Batch * OutChannels * OutHeight * OutWidth;
    public long WeightLength => (long)OutChannels * PatchSize;

    /// <summary>Multiply-adds of the forward pass (each of the two backward passes costs the same).</summary>
    public long ForwardMacs => OutputLength * PatchSize;

    /// <summary>Throws ArgumentException when the geometry is inconsistent or produces an empty output.</summary>
    public void Validate()
    {
        if (Batch < 0 || InChannels < 1 || InHeight < 1 || InWidth < 1 || OutChannels < 1 || KernelHeight < 1 || KernelWidth < 1)
            throw new ArgumentException($"Conv2d: sizes must be positive: {this}");
        if (StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            throw new ArgumentException($"Conv2d: strides and dilations must be at least 1: {this}");
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new ArgumentException($"Conv2d: padding must not be negative: {this}");
        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"Conv2d: groups must divide input and output channels: {this}");
        // Checked on the extents, not on OutHeight / OutWidth: their division truncates toward zero, so a kernel
        // one column wider than the padded input still gave one output.
        if (InHeight + PadTop + PadBottom < DilationH * (KernelHeight - 1) + 1 || InWidth + PadLeft + PadRight < DilationW * (KernelWidth - 1) + 1)
            throw new ArgumentException($"Conv2d: kernel larger than padded input: {this}");
    }

    /// <summary>
    /// The outputs o in [lo, hi) of an axis of <paramref name="outSize"/> whose input index
    /// o * stride + offset lies in [0, inSize).
    /// </summary>
    internal static (int Lo, int Hi) ValidRange(int outSize, int stride, int offset, int inSize)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int hi = inSize - offset <= 0 ? 0 : Math.Min(outSize, (inSize - offset + stride - 1) / stride);
        lo = Math.Min(lo, outSize);
        return (lo, Math.Max(lo, hi));
    }
}
