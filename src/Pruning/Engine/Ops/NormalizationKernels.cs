using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>
/// BatchNormalization and InstanceNormalization. BN in training mode normalises with batch
/// statistics and updates its running statistics (state inputs 3, 4) with the node's momentum
/// (spp-spec.md 3.5); in eval mode, and in training with <see cref="ExecContext.FrozenBatchNorm"/>, it uses
/// the running statistics and is a per-channel affine map.
/// InstanceNormalization is BN in training mode over an [1, N*C, spatial] view with scale and bias
/// repeated per sample, and its parameter gradients summed back over the batch.
/// </summary>
public sealed class NormalizationKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["BatchNormalization", "InstanceNormalization"];

    public IReadOnlyList<int> TrainableInputs(Node node) => [1, 2];

    public IReadOnlyList<int> StateInputs(Node node) => node.OpType == "BatchNormalization" ? [3, 4] : [];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        var x = inputs[0]!;
        if (x.Shape.Length < 2) throw new TrainingException($"node {node}: input of rank {x.Shape.Length}, need [N, C, ...]");
        int n = x.Shape[0], c = x.Shape[1], spatial = (int)(x.Count / n / c);
        float eps = node.GetFloat("epsilon", 1e-5f);
        if (node.OpType == "InstanceNormalization")
            return new InstanceNormKernel(node, inputs, outputs, new BatchNormDesc(1, n * c, spatial, eps, 0), new Scratch(ctx.K, n * c, 12));
        // Opsets before 9 could also emit saved statistics for a training runtime; nothing reads them in a CNN export.
        if (node.Outputs.Skip(3).Any(o => o.Length > 0))
            throw new TrainingException($"node {node}: saved-statistics outputs (before opset 9) are not supported");
        if (inputs.Length < 5 || inputs.Any(i => i is null)) throw new TrainingException($"node {node}: needs scale, bias, mean and var");
        return new BatchNormKernel(node, inputs, outputs, new BatchNormDesc(n, c, spatial, eps, node.GetFloat("momentum", 0.9f)), new Scratch(ctx.K, c, 6));
    }

    /// <summary>Per-channel scratch vectors (cheap: one float per channel each).</summary>
    private sealed class Scratch(IKernels k, int length, int count)
    {
        public IBuffer[] V { get; } = Enumerable.Range(0, count).Select(_ => k.Allocate(length)).ToArray();
        public int Length => length;
    }

    /// <summary>y = gamma * (x - mean) * invStd + beta with given statistics (eval-mode BN, or a
    /// training-mode forward whose input needs no gradient): dbeta += sum dy, and
    /// dgamma += invStd * (sum dy*x - mean * sum dy), all in per-channel vectors.</summary>
    private static void AffineGradients(IKernels k, in BatchNormDesc d, IBuffer x, IBuffer dy, IBuffer mean, IBuffer invStd,
        IBuffer? dgamma, IBuffer? dbeta, Scratch s)
    {
        int[] full = [d.N, d.C, d.Spatial], chan = [1, d.C, 1], vec = [d.C];
        var v = new BroadcastDesc(vec, vec, vec);
        if (dbeta is not null) k.Reduce(new ReduceDesc(full, chan, 1), dy, dbeta, accumulate: true);
        if (dgamma is null) return;
        k.Fill(s.V[0], 0, 0, d.C);
        k.BinaryBackward(BinaryOp.Mul, new BroadcastDesc(full, full, chan), x, s.V[1], dy, null, s.V[0]);
        k.Reduce(new ReduceDesc(full, chan, 1), dy, s.V[1], accumulate: false);
        k.Binary(BinaryOp.Mul, v, mean, s.V[1], s.V[2]);
        k.Binary(BinaryOp.Sub, v, s.V[0], s.V[2], s.V[3]);
        k.Binary(BinaryOp.Mul, v, s.V[3], invStd, s.V[2]);
        Shapes.Copy(k, s.V[2], dgamma, d.C, accumulate: true);
    }

    private sealed class BatchNormKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, BatchNormDesc desc, Scratch s)
        : OpKernel(node, inputs, outputs)
    {
        private readonly IBuffer _saveMean = s.V[4], _saveInvStd = s.V[5];
        private bool _trainedForward;
        /// <summary>The descriptor, with the activation that follows when the graph fused it.</summary>
        private BatchNormDesc d = desc;
        public override bool TakesMoments => true;

        public override Activation? FusedActivation => d.Activation;

        public override bool TryFuseActivation(Activation activation)
        {
            if (d.Activation is not null) return false;
            d = d with { Activation = activation };
            return true;
        }

        public override IEnumerable<IBuffer> OwnedBuffers => s.V;

        public override bool OverwritesGrad(int input) => input == 0;

        /// <summary>Only a fused activation's backward reads the output (its values decide its slope).</summary>
        public override bool BackwardReadsOutput => d.Activation is not null;

        private TrainTensor X => Inputs[0]!;

        public override void Forward(ExecContext ctx)
        {
            // Frozen BN trains like eval mode: running statistics in, nothing updated; Backward then
            // takes the affine path (dx = dy * gamma * invStd), which is that mode's exact gradient.
            _trainedForward = ctx.Training && !ctx.FrozenBatchNorm;
            TrainTensor mean = Inputs[3]!, var = Inputs[4]!;
            if (_trainedForward && Moments is { Valid: true })
                ctx.K.BatchNormForwardWithPlaneMoments(d, X.Data, Inputs[1]!.Data, Inputs[2]!.Data, mean.Data, var.Data, _saveMean, _saveInvStd,
                    Outputs[0].Data, Moments.Buffer);
            else
                ctx.K.BatchNormForward(d, _trainedForward, X.Data, Inputs[1]!.Data, Inputs[2]!.Data, mean.Data, var.Data, _saveMean, _saveInvStd, Outputs[0].Data);
            if (Moments is not null) Moments.Valid = false;
            // Optional outputs 1 and 2 (opset 14 training mode) are the updated running statistics.
            for (int i = 1; i < Math.Min(3, Outputs.Length); i++) Shapes.Copy(ctx.K, Inputs[i + 2]!.Data, Outputs[i].Data, d.C, accumulate: false);
        }

        public override void Backward(ExecContext ctx)
        {
            var k = ctx.K;
            TrainTensor gamma = Inputs[1]!, beta = Inputs[2]!;
            var dy = Outputs[0].Grad!;
            if (_trainedForward && X.Grad is { } dx)
            {
                // The fused rule writes all three; gradients of constant scale or bias go to scratch.
                if (gamma.Grad is null) k.Fill(s.V[0], 0, 0, d.C);
                if (beta.Grad is null) k.Fill(s.V[1], 0, 0, d.C);
                if (d.Activation is not null)
                    k.BatchNormActivationBackward(d, X.Data, Outputs[0].Data, dy, gamma.Data, beta.Data, _saveMean, _saveInvStd, dx,
                        gamma.Grad ?? s.V[0], beta.Grad ?? s.V[1], accumulate: !WritesGrad(0));
                else
                    k.BatchNormBackward(d, X.Data, dy, gamma.Data, _saveMean, _saveInvStd, dx, gamma.Grad ?? s.V[0], beta.Grad ?? s.V[1], accumulate: !WritesGrad(0));
                return;
            }
            // The fused activation's in-place backward first, as its own kernel would have run it (dy is its output's gradient).
            if (d.Activation is { } activation) k.ActivationBackwardInPlace(activation, Outputs[0].Data, dy, Outputs[0].Count);
            IBuffer mean = _saveMean, invStd = _saveInvStd;
            if (!_trainedForward)
            {
                // Eval mode: the running statistics, invStd = (var + eps)^-1/2 into the saved slots.
                Shapes.Copy(k, Inputs[3]!.Data, _saveMean, d.C, accumulate: false);
                k.Unary(UnaryOp.Scale, 1, d.Epsilon, Inputs[4]!.Data, s.V[0], d.C);
                k.Unary(UnaryOp.Pow, -0.5f, 0, s.V[0], _saveInvStd, d.C);
            }
            AffineGradients(k, d, X.Data, dy, mean, invStd, gamma.Grad, beta.Grad, s);
            if (X.Grad is { } dxEval)
            {
                // dx += dy * gamma * invStd, per channel (onto zeros when this kernel owns dx).
                int[] full = [d.N, d.C, d.Spatial], vec = [d.C];
                if (WritesGrad(0)) k.Fill(dxEval, 0, 0, X.Count);
                k.Binary(BinaryOp.Mul, new BroadcastDesc(vec, vec, vec), gamma.Data, invStd, s.V[0]);
                k.BinaryBackward(BinaryOp.Mul, new BroadcastDesc(full, full, [1, d.C, 1]), X.Data, s.V[0], dy, dxEval, null);
            }
        }
    }

    private sealed class InstanceNormKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, BatchNormDesc d, Scratch s)
        : OpKernel(node, inputs, outputs)
    {
        // Vectors over the N*C instances (V[0..3] are AffineGradients' scratch): repeated scale and
        // bias, saved statistics, running statistics nobody reads, and the gradients of the repeats.
        private IBuffer Gamma => s.V[4];
        private IBuffer Beta => s.V[5];
        private IBuffer Mean => s.V[6];
        private IBuffer InvStd => s.V[7];
        private IBuffer DGamma => s.V[10];
        private IBuffer DBeta => s.V[11];

        public override IEnumerable<IBuffer> OwnedBuffers => s.V;

        private TrainTensor X => Inputs[0]!;
        private int N => X.Shape[0];
        private int C => X.Shape[1];

        public override void Forward(ExecContext ctx)
        {
            var repeat = new StridedDesc([N, C], 0, [0, 1], 0, [C, 1]);
            ctx.K.StridedCopy(repeat, Inputs[1]!.Data, Gamma, accumulate: false);
            ctx.K.StridedCopy(repeat, Inputs[2]!.Data, Beta, accumulate: false);
            // Instance statistics in training and in eval alike.
            ctx.K.BatchNormForward(d, true, X.Data, Gamma, Beta, s.V[8], s.V[9], Mean, InvStd, Outputs[0].Data);
        }

        public override void Backward(ExecContext ctx)
        {
            var k = ctx.K;
            var dy = Outputs[0].Grad!;
            k.Fill(DGamma, 0, 0, s.Length);
            k.Fill(DBeta, 0, 0, s.Length);
            if (X.Grad is { } dx) k.BatchNormBackward(d, X.Data, dy, Gamma, Mean, InvStd, dx, DGamma, DBeta, accumulate: true);
            else AffineGradients(k, d, X.Data, dy, Mean, InvStd, DGamma, DBeta, s);
            var sum = new ReduceDesc([N, C], [1, C], 1);
            if (Inputs[1]!.Grad is { } dgamma) k.Reduce(sum, DGamma, dgamma, accumulate: true);
            if (Inputs[2]!.Grad is { } dbeta) k.Reduce(sum, DBeta, dbeta, accumulate: true);
        }
    }
}
