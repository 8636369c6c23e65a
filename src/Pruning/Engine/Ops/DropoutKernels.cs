using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>Dropout: in training mode y = x * mask with mask[i] = 1/keep or 0 from
/// <see cref="IKernels.RandomMask"/>, keyed by the run's seed, the node and the step so that a run
/// is reproducible on every backend; in eval mode a copy. The optional mask output holds 1 for kept
/// elements and 0 for dropped ones.</summary>
public sealed class DropoutKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Dropout"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        // The ratio is an attribute before opset 12 and input 1 since.
        float ratio = Shapes.Float(ctx, node, 1, "ratio", 0.5f);
        if (ratio is < 0 or >= 1) throw new TrainingException($"node {node}: dropout ratio {ratio} outside [0, 1)");
        return new DropoutKernel(node, inputs, outputs, 1 - ratio, StableId(node), ctx.K.Allocate(outputs[0].Count));
    }

    /// <summary>FNV-1a of the node's first output name: the same node gets the same stream in every run.</summary>
    private static ulong StableId(Node node)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char ch in node.Outputs[0]) h = (h ^ ch) * 0x100000001b3UL;
        return h;
    }

    private sealed class DropoutKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, float keep, ulong id, IBuffer mask)
        : OpKernel(node, inputs, outputs)
    {
        private bool _active;

        public override IEnumerable<IBuffer> OwnedBuffers => [mask];

        private TrainTensor X => Inputs[0]!;
        private BroadcastDesc Flat => new([(int)X.Count], [(int)X.Count], [(int)X.Count]);

        public override void Forward(ExecContext ctx)
        {
            var k = ctx.K;
            _active = ctx.Training && keep < 1;
            if (_active)
            {
                k.RandomMask(mask, X.Count, keep, CounterRandom.Derive(ctx.Seed, id, ctx.Step), 0);
                k.Binary(BinaryOp.Mul, Flat, X.Data, mask, Outputs[0].Data);
            }
            else
            {
                Shapes.Copy(k, X.Data, Outputs[0].Data, X.Count, accumulate: false);
            }
            if (Outputs.Length > 1 && Node.Outputs[1].Length > 0)
            {
                if (_active) k.Unary(UnaryOp.Scale, keep, 0, mask, Outputs[1].Data, X.Count);
                else k.Fill(Outputs[1].Data, 1, 0, X.Count);
            }
        }

        public override void Backward(ExecContext ctx)
        {
            if (X.Grad is not { } dx) return;
            if (_active) ctx.K.BinaryBackward(BinaryOp.Mul, Flat, X.Data, mask, Outputs[0].Grad!, dx, null);
            else Shapes.Copy(ctx.K, Outputs[0].Grad!, dx, X.Count, accumulate: true);
        }
    }
}
