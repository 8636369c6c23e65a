using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>
/// Everything sppc knows about one operator, in one place: type and shape inference (with constant
/// folding of the shape arithmetic exporters leave behind) and multiply-accumulate counts. Channel
/// flow and weight slicing are added here too, so adding an op touches one file plus one line in
/// <see cref="OpRegistry"/>.
/// </summary>
public abstract class OpRule
{
    /// <summary>Op types this rule serves (several for families such as the unary activations).</summary>
    public abstract IReadOnlyList<string> OpTypes { get; }

    /// <summary>Sets the output types (and, for constant-foldable ops, output values) from the
    /// inputs. Leaves an output untouched when it cannot be inferred: it then stays unknown, or
    /// takes the type the model declared.</summary>
    public abstract void Infer(InferenceContext ctx);

    /// <summary>Multiply-accumulates of one execution of the node, from inferred shapes; null when a
    /// needed shape is not known. Ops whose cost is not counted (element-wise, pooling) return 0.</summary>
    public virtual long? Macs(InferenceContext ctx) => 0;

    /// <summary>How the node's MACs change when channels go: whether they scale with the kept share
    /// of input 0's channels and of output 0's channels (MAC formulas are bilinear in the two).</summary>
    public virtual (bool WithInput, bool WithOutput) MacScaling(Node node) => (false, false);

    /// <summary>States which output channels come from which input channels, and which constant
    /// slices belong to which channel. The default, for ops whose channel semantics sppc does not
    /// know, locks every channel the node touches: an unknown op never yields a wrong model.</summary>
    public virtual void ChannelFlow(ChannelFlowContext ctx) => ctx.LockAll($"{ctx.Node}: no channel rule for {ctx.Node.OpType}");

    /// <summary>Rewrites attributes or constant inputs that carry channel counts after channels are
    /// removed (constant slices declared in <see cref="ChannelFlow"/> are sliced by the pruner).</summary>
    public virtual void Rewrite(RewriteContext ctx) { }
}
