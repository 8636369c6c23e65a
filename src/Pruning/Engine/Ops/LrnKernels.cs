using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>
/// LRN across channels: y = x * d^-beta with d = bias + alpha/size * (sum of x^2 over the channel
/// window [c - (size-1)/2 floor, c + (size-1)/2 ceil]). The window sum is an average pool with
/// kernel (size, 1) over the input viewed as [N, 1, C, spatial], padding counted, so it divides by
/// size exactly as alpha/size asks. Backward:
/// dx_i = dy_i d_i^-beta - 2 alpha beta / size * x_i * sum over windows j holding i of dy_j x_j d_j^(-beta-1),
/// whose last sum is the average pool's backward.
/// </summary>
public sealed class LrnKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["LRN"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        int size = (int)node.GetInt("size", 0);
        if (size < 1) throw new TrainingException($"node {node}: LRN needs a size");
        int n = x.Shape[0], c = x.Shape[1], spatial = (int)(x.Count / n / c);
        int lo = (size - 1) / 2, hi = size - 1 - lo;
        var window = new PoolDesc(PoolKind.Average, n, 1, c, spatial, size, 1, 1, 1, lo, 0, hi, 0, c, spatial, CountIncludePad: true);
        var scratch = Enumerable.Range(0, 5).Select(_ => ctx.K.Allocate(x.Count)).ToArray();
        return new LrnKernel(node, inputs, outputs, window, node.GetFloat("alpha", 1e-4f), node.GetFloat("beta", 0.75f), node.GetFloat("bias", 1f), scratch);
    }

    private sealed class LrnKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, PoolDesc window, float alpha, float beta, float bias, IBuffer[] s)
        : OpKernel(node, inputs, outputs)
    {
        // s[0], s[1]: temporaries; s[2] = d and s[3] = d^-beta, kept from forward for backward; s[4] = d^(-beta-1).
        public override IEnumerable<IBuffer> OwnedBuffers => s;

        private TrainTensor X => Inputs[0]!;
        private BroadcastDesc Flat => new([(int)X.Count], [(int)X.Count], [(int)X.Count]);

        public override void Forward(ExecContext ctx)
        {
            var k = ctx.K;
            long n = X.Count;
            k.Unary(UnaryOp.Square, 0, 0, X.Data, s[0], n);
            k.PoolForward(window, s[0], s[1], null);
            k.Unary(UnaryOp.Scale, alpha, bias, s[1], s[2], n);
            k.Unary(UnaryOp.Pow, -beta, 0, s[2], s[3], n);
            k.Binary(BinaryOp.Mul, Flat, X.Data, s[3], Outputs[0].Data);
        }

        public override void Backward(ExecContext ctx)
        {
            if (X.Grad is not { } dx) return;
            var k = ctx.K;
            long n = X.Count;
            var dy = Outputs[0].Grad!;
            k.BinaryBackward(BinaryOp.Mul, Flat, X.Data, s[3], dy, dx, null);
            k.Unary(UnaryOp.Pow, -beta - 1, 0, s[2], s[4], n);
            k.Binary(BinaryOp.Mul, Flat, dy, X.Data, s[0]);
            k.Binary(BinaryOp.Mul, Flat, s[0], s[4], s[1]);
            k.Fill(s[0], 0, 0, n);
            k.PoolBackward(window, s[1], null, s[0]);
            k.Binary(BinaryOp.Mul, Flat, s[0], X.Data, s[1]);
            Shapes.Axpy(k, -2 * alpha * beta, s[1], dx, n);
        }
    }
}
