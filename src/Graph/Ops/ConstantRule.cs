using System.Runtime.InteropServices;

using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Constant: its value is known, whichever attribute holds it.</summary>
public sealed class ConstantRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Constant"];

    public override void Infer(InferenceContext ctx)
    {
        if (ValueOf(ctx.Node) is { } t) ctx.SetOutputValue(0, t);
    }

    // Its output is a constant, which channel analysis slices rather than follows.
    public override void ChannelFlow(ChannelFlowContext ctx) { }

    public static Tensor? ValueOf(Node node)
    {
        var name = node.Outputs.Count > 0 ? node.Outputs[0] : "";
        foreach (var a in node.Attributes)
        {
            switch (a.Name)
            {
                case "value" when a.T is not null: return a.T;
                case "value_float": return Tensor.FromFloats(name, [], [a.F]);
                case "value_floats": return Tensor.FromFloats(name, [a.Floats.Length], a.Floats);
                case "value_int": return Tensor.FromInt64s(name, [], [a.I]);
                case "value_ints": return Tensor.FromInt64s(name, [a.Ints.Length], a.Ints);
                case "value_string": return new Tensor(name, [], [a.S]);
                case "value_strings": return new Tensor(name, [a.Strings.Length], a.Strings);
            }
        }
        return null;
    }
}
