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
}
