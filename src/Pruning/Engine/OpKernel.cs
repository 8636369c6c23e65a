using Spp.Graph;

namespace Spp.Pruning.Engine;

/// <summary>One node of the training graph with its forward and backward rule, bound to its input
/// and output tensors (static shapes). Backward adds each input's gradient into its Grad buffer
/// (always accumulate: a value read by several nodes sums their gradients).</summary>
public abstract class OpKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs)
{
    public Node Node { get; } = node;
    /// <summary>Inputs in node order; an omitted optional input is null.</summary>
    public TrainTensor?[] Inputs { get; } = inputs;
    public TrainTensor[] Outputs { get; } = outputs;

    public abstract void Forward(ExecContext ctx);

    /// <summary>False for ops that are differentiable nowhere sppc needs (the graph builder reports
    /// such an op by name when it lies on a path from a parameter to the loss).</summary>
    public virtual bool HasBackward => true;

    public abstract void Backward(ExecContext ctx);

    /// <summary>Whether Backward, when it is the first to reach input <paramref name="input"/>'s gradient,
    /// can write that gradient instead of adding to it: it then must write it on every backward pass
    /// where <see cref="WritesGrad"/> says so.</summary>
    public virtual bool OverwritesGrad(int input) => false;

    /// <summary>Whether the gradient Backward writes for input <paramref name="input"/> (as its writer, see
    /// <see cref="OverwritesGrad"/>) is output 0's gradient itself, unchanged (Add, Sub's first operand): the graph may
    /// then give that input output 0's gradient buffer, and Backward leaves it as it is.</summary>
    public virtual bool PassesGradThrough(int input) => false;

    /// <summary>Backward writes input <paramref name="input"/>'s gradient outright (the graph chose this kernel
    /// as its writer and does not zero it); otherwise it adds.</summary>
    protected bool WritesGrad(int input) => Inputs[input] is { } t && t.GradWriter == this && t.GradWriterInput == input;

    /// <summary>Whether Backward reads the values of output 0 (then they must survive until it runs). Kernels
    /// that need only their inputs say no, so an activation after them may overwrite that output.</summary>
    public virtual bool BackwardReadsOutput => true;

    /// <summary>The activation this kernel is when Forward may write output 0 over input 0 and Backward input 0's
    /// gradient over output 0's: an element-wise op whose slope its output alone determines (ReLU: y &gt; 0 exactly
    /// where x &gt; 0); null for every other kernel.</summary>
    public virtual Activation? InPlaceActivation => null;

    public bool CanRunInPlace => InPlaceActivation is not null;

    /// <summary>Whether this kernel takes over <paramref name="activation"/>, an in-place activation that reads its
    /// output 0 alone, in the same buffers: Forward then writes the activated values and Backward receives their
    /// gradient. The graph then drops the activation's kernel.</summary>
    public virtual bool TryFuseActivation(Activation activation) => false;

    /// <summary>The activation this kernel took over (<see cref="TryFuseActivation"/>), if any.</summary>
    public virtual Activation? FusedActivation => null;

    /// <summary>Whether Forward can hand the statistics of output 0 to a batch normalization that reads it
    /// (<see cref="IKernels.ConvForwardWithPlaneMoments"/>) through <see cref="Moments"/>.</summary>
    public virtual bool ProvidesMoments => false;

    /// <summary>Whether Forward takes input 0's statistics from <see cref="Moments"/> when its producer left them there.</summary>
    public virtual bool TakesMoments => false;

    /// <summary>The statistics passed from a producer to its consumer (both kernels hold the same link), set by the graph.</summary>
    public MomentsLink? Moments { get; internal set; }

    /// <summary>Buffers the kernel allocated for itself (saved statistics, masks, scratch).</summary>
    public virtual IEnumerable<IBuffer> OwnedBuffers => [];
}

/// <summary>Creates kernels for one family of ops; registered in <see cref="OpKernels"/>.</summary>
public interface IOpKernelFactory
{
    IReadOnlyList<string> OpTypes { get; }
    /// <summary>Input positions holding trainable parameters when they are float initializers
    /// (Conv: weight and bias; BatchNormalization: scale and bias; ...).</summary>
    IReadOnlyList<int> TrainableInputs(Node node);
    /// <summary>Input positions holding state the op updates in training (BN running statistics).</summary>
    IReadOnlyList<int> StateInputs(Node node) => [];
    OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx);
}

/// <summary>What a factory may use when binding a node: the backend (to allocate scratch), the
/// inferred types at the training batch, constant values (folded shape arithmetic, attributes given
/// as inputs).</summary>
public sealed class KernelBuildContext(IKernels kernels, GraphTypes types, long opset)
{
    public IKernels K { get; } = kernels;
    public GraphTypes Types { get; } = types;
    public long Opset { get; } = opset;
    public Tensor? Constant(string? name) => name is null ? null : Types.ValueOf(name);
}

/// <summary>
/// The per-plane statistics of one value, passed from the kernel that writes it (a convolution) to the training-mode
/// batch normalization that reads it, so that BN need not read the value back from memory for them. Valid only for the
/// forward pass in which the producer wrote them.
/// </summary>
/// <param name="length">Floats of the statistics (4 N C).</param>
public sealed class MomentsLink(IKernels kernels, long length) : IDisposable
{
    private IBuffer? _buffer;

    /// <summary>Allocated by the first training forward that takes statistics: a graph that only evaluates, or trains
    /// with BatchNormalization frozen, never holds it.</summary>
    public IBuffer Buffer => _buffer ??= kernels.Allocate(length);

    /// <summary>Whether a forward has taken <see cref="Buffer"/> yet.</summary>
    internal bool Allocated => _buffer is not null;

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }

    /// <summary>Set by the producer's forward when it wrote the statistics; cleared by the consumer as it takes them.</summary>
    public bool Valid { get; set; }
}
