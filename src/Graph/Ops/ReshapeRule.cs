using Spp.Graph.Channels;

namespace Spp.Graph.Ops;

/// <summary>Reshape: 0 copies the input's dim (unless allowzero, opset 14), -1 takes the elements
/// left over; a symbolic dim survives when the rest cancels out ([N,64,1,1] to [-1,64] is [N,64]).
/// Constant data is folded: exporters reshape shape vectors.</summary>
public sealed class ReshapeRule : OpRule
{
    public override IReadOnlyList<string> OpTypes { get; } = ["Reshape"];

    public override void Infer(InferenceContext ctx)
    {
        var t = ctx.InputType(0);
        if (t is null) return;
        // Opsets before 5 carried the target as an attribute.
        if (!IntArgs.TryRead(ctx, 1, "shape", out var target) || target is null)
        {
            var rank = IntArgs.VectorLength(ctx, 1);
            ctx.SetOutput(0, t.ElementType, rank is long r ? IntArgs.UnknownDims(r) : null);
            return;
        }
        var shape = Resolve(ctx, t.Shape, target, ctx.Node.GetInt("allowzero", 0) != 0);
        ctx.SetOutput(0, t.ElementType, shape);
        if (ctx.InputValue(0) is { } v && shape.IsFullyKnown) ctx.SetOutputValue(0, ConstantData.Reshaped(v, shape.ToLongs()));
    }

    public override void ChannelFlow(ChannelFlowContext ctx)
    {
        string? x = ctx.In(0), y = ctx.Out(0);
        if (!ctx.HasSlots(x)) { ctx.LockValue(y, $"{ctx.Node}: reshapes a tensor without channels into one with"); return; }
        var xs = ctx.ShapeOf(x)!;
        var ys = ctx.ShapeOf(y);
        long c = ctx.Width(x!);
        long rest = xs.Dims.Skip(2).Aggregate(1L, (a, d) => a * d.Value!.Value);
        bool sameBatch = ys is { Rank: >= 2 } && ys[0].Value == xs[0].Value;
        bool keepsChannels = sameBatch && ys![1].Value == c && ys.Dims.Skip(2).Aggregate(1L, (a, d) => a * (d.Value ?? -1)) == rest;
        bool flattens = sameBatch && ys!.Rank == 2 && ys[1].Value == c * rest;
        if (!keepsChannels && !flattens) { ctx.LockAll($"{ctx.Node}: reshapes across the channel axis"); return; }
        // An explicit channel count in the target must be rewritten: possible only in a constant.
        var target = ctx.Ints(1, "shape");
        bool explicitChannels = target is null || (target.Length > 1 && target[1] > 0);
        if (explicitChannels && ctx.In(1) is { } t && !ctx.IsSliceableConstant(t))
        {
            ctx.LockAll($"{ctx.Node}: its target shape is computed and names the channel count");
            return;
        }
        if (keepsChannels) ctx.Preserve(x, y);
        else ctx.MapBlocks(x!, y!, rest);
    }

    public override void Rewrite(RewriteContext ctx)
    {
        var y = ctx.Node.Outputs[0];
        if (ctx.Kept(y) is null) return;
        if (ctx.Node.Input(1) is { } name)
        {
            var old = ctx.Graph.Initializer(name) ?? ctx.OriginalTypes.ValueOf(name);
            if (old is null) return;
            var dims = old.ToInt64s();
            if (dims.Length < 2 || dims[1] <= 0) return;
            dims[1] = ctx.NewWidth(y);
            ctx.ReplaceConstantInput(1, Tensor.FromDoubles("", old.ElementType, old.Dims, dims.Select(d => (double)d).ToArray()));
        }
        else if (ctx.Node.GetInts("shape") is { Length: >= 2 } attr && attr[1] > 0)
        {
            var dims = (long[])attr.Clone();
            dims[1] = ctx.NewWidth(y);
            ctx.Node.SetAttr(Attribute.IntList("shape", dims));
        }
    }

    private static Shape Resolve(InferenceContext ctx, Shape? x, long[] target, bool allowZero)
    {
        var dims = new Dim[target.Length];
        var copied = new bool[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            long v = target[i];
            if (v == 0 && !allowZero)
            {
                if (x is not null && i >= x.Rank) throw ctx.Error($"0 at position {i} copies a dim the input {x} does not have");
                dims[i] = x is null ? Dim.Unknown : x[i];
                copied[i] = true;
            }
            else if (v == -1)
            {
                if (inferred >= 0) throw ctx.Error("more than one -1 in the target shape");
                inferred = i;
            }
            else if (v < 0) throw ctx.Error($"invalid target dim {v}");
            else dims[i] = Dim.Of(v);
        }
        if (inferred >= 0) dims[inferred] = x is null ? Dim.Unknown : Remainder(ctx, x, dims, copied, inferred);
        var shape = new Shape(dims);
        if (x?.ElementCount() is long inCount && shape.ElementCount() is long outCount && inCount != outCount)
            throw ctx.Error($"cannot reshape {x} ({inCount} elements) to {shape}");
        return shape;
    }

    /// <summary>The dim that -1 stands for: the input's elements over the other output dims.
    /// Unknown output dims cancel against the input dims they equal (a copied dim is its source, a
    /// symbol equals itself), so one leftover symbolic input dim can be named.</summary>
    private static Dim Remainder(InferenceContext ctx, Shape x, Dim[] dims, bool[] copied, int inferred)
    {
        long inKnown = 1, outKnown = 1;
        var inOther = new List<int>();
        for (int k = 0; k < x.Rank; k++)
            if (x[k].Value is long v) inKnown *= v; else inOther.Add(k);
        for (int i = 0; i < dims.Length; i++)
        {
            if (i == inferred) continue;
            if (dims[i].Value is long v) { outKnown *= v; continue; }
            int match = inOther.FindIndex(k => (copied[i] && k == i) || (dims[i].IsSymbolic && x[k].Symbol == dims[i].Symbol));
            if (match < 0) return Dim.Unknown;
            inOther.RemoveAt(match);
        }
        // With zero elements on the output side, -1 could be anything.
        if (outKnown == 0) return Dim.Unknown;
        if (inOther.Count == 0)
        {
            if (inKnown % outKnown != 0) throw ctx.Error($"cannot reshape {x} to {new Shape(dims.Select((d, i) => i == inferred ? Dim.Sym("-1") : d))}");
            return Dim.Of(inKnown / outKnown);
        }
        return inOther.Count == 1 && inKnown == outKnown && x[inOther[0]].IsSymbolic ? x[inOther[0]] : Dim.Unknown;
    }
}
