using Spp.Graph;

namespace Spp.Pruning.Engine.Ops;

/// <summary>A row-major matrix in a buffer, as stored (rows x cols at an offset), read transposed
/// when <see cref="T"/> is set.</summary>
internal readonly record struct Mat(IBuffer Buf, long Offset, int Rows, int Cols, bool T = false)
{
    public int OpRows => T ? Cols : Rows;
    public int OpCols => T ? Rows : Cols;
    public Mat Transposed => this with { T = !T };

    /// <summary>c (+)= alpha * op(a) * op(b) for a c stored op(a).rows x op(b).cols (beta 0 overwrites, 1 adds).</summary>
    public static void Product(IKernels k, Mat a, Mat b, IBuffer c, long offsetC, float alpha, float beta)
    {
        if (a.OpCols != b.OpRows) throw new InvalidOperationException($"inner dims {a.OpCols} and {b.OpRows} differ");
        k.Gemm(new GemmDesc(a.T, b.T, a.OpRows, b.OpCols, a.OpCols, alpha, beta, a.Offset, a.Cols, 0, b.Offset, b.Cols, 0, offsetC, b.OpCols, 0), a.Buf, b.Buf, c);
    }
}

/// <summary>Gemm (transA, transB, alpha, beta, C broadcast to the output) and MatMul (1-d, 2-d and
/// batched with broadcast batch dims). Backward: dA = dY op(B)^T and dB = op(A)^T dY, each written
/// in the stored orientation of its operand, and dC = beta dY summed over C's broadcast axes.</summary>
public sealed class GemmKernels : IOpKernelFactory
{
    public IReadOnlyList<string> OpTypes { get; } = ["Gemm", "MatMul"];

    public IReadOnlyList<int> TrainableInputs(Node node) => node.OpType == "Gemm" ? [1, 2] : [1];

    public OpKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, KernelBuildContext ctx)
    {
        TrainTensor a = inputs[0]!, b = inputs[1]!;
        if (node.OpType == "MatMul") return MatMulKernel.Create(node, inputs, outputs);
        if (a.Shape.Length != 2 || b.Shape.Length != 2) throw new TrainingException($"node {node}: Gemm operands must be matrices");
        return new GemmKernel(node, inputs, outputs, node.GetInt("transA", 0) != 0, node.GetInt("transB", 0) != 0,
            node.GetFloat("alpha", 1), node.GetFloat("beta", 1));
    }

    private sealed class GemmKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, bool transA, bool transB, float alpha, float beta)
        : OpKernel(node, inputs, outputs)
    {
        private Mat A(IBuffer buf) => new(buf, 0, Inputs[0]!.Shape[0], Inputs[0]!.Shape[1], transA);
        private Mat B(IBuffer buf) => new(buf, 0, Inputs[1]!.Shape[0], Inputs[1]!.Shape[1], transB);
        private TrainTensor? C => Inputs.ElementAtOrDefault(2);
        private int[] CShape => Shapes.PadLeft(C!.Shape, 2);

        public override void Forward(ExecContext ctx)
        {
            var y = Outputs[0];
            bool withC = C is not null && beta != 0;
            if (withC)
            {
                // Y starts as C broadcast to [M, N]; the product is added with weight beta on it.
                var cs = CShape;
                ctx.K.StridedCopy(new StridedDesc(y.Shape, 0, [cs[0] == 1 ? 0 : cs[1], cs[1] == 1 ? 0 : 1], 0, Shapes.Strides(y.Shape)), C!.Data, y.Data, accumulate: false);
            }
            Mat.Product(ctx.K, A(Inputs[0]!.Data), B(Inputs[1]!.Data), y.Data, 0, alpha, withC ? beta : 0);
        }

        public override void Backward(ExecContext ctx)
        {
            var y = Outputs[0];
            var dy = new Mat(y.Grad!, 0, y.Shape[0], y.Shape[1]);
            Mat a = A(Inputs[0]!.Data), b = B(Inputs[1]!.Data);
            // Gradient of op(A) is dY op(B)^T; stored transposed, it is op(B) dY^T. Likewise for B.
            if (Inputs[0]!.Grad is { } da)
                if (transA) Mat.Product(ctx.K, b, dy.Transposed, da, 0, alpha, 1);
                else Mat.Product(ctx.K, dy, b.Transposed, da, 0, alpha, 1);
            if (Inputs[1]!.Grad is { } db)
                if (transB) Mat.Product(ctx.K, dy.Transposed, a, db, 0, alpha, 1);
                else Mat.Product(ctx.K, a.Transposed, dy, db, 0, alpha, 1);
            if (C?.Grad is { } dc && beta != 0)
                ctx.K.Reduce(new ReduceDesc(y.Shape, CShape, beta), y.Grad!, dc, accumulate: true);
        }
    }

    /// <summary>MatMul as one matrix product per output batch index, each operand's batch index
    /// found by broadcasting; a 1-d operand is a row (A) or column (B) vector.</summary>
    private sealed class MatMulKernel(Node node, TrainTensor?[] inputs, TrainTensor[] outputs, int m, int k, int n, long[] offsetsA, long[] offsetsB)
        : OpKernel(node, inputs, outputs)
    {
        public static MatMulKernel Create(Node node, TrainTensor?[] inputs, TrainTensor[] outputs)
        {
            int[] a = inputs[0]!.Shape, b = inputs[1]!.Shape;
            if (a.Length == 1) a = [1, a[0]];
            if (b.Length == 1) b = [b[0], 1];
            int rank = Math.Max(a.Length, b.Length);
            a = Shapes.PadLeft(a, rank);
            b = Shapes.PadLeft(b, rank);
            var batch = new int[rank - 2];
            for (int i = 0; i < batch.Length; i++)
            {
                if (a[i] != b[i] && a[i] != 1 && b[i] != 1) throw new TrainingException($"node {node}: batch dims {a[i]} and {b[i]} do not broadcast");
                batch[i] = Math.Max(a[i], b[i]);
            }
            int m = a[^2], k = a[^1], n = b[^1];
            if (b[^2] != k) throw new TrainingException($"node {node}: inner dims {k} and {b[^2]} differ");
            long count = Shapes.Count(batch);
            var offA = new long[count];
            var offB = new long[count];
            long[] sa = Shapes.Strides(a[..^2]), sb = Shapes.Strides(b[..^2]);
            for (long p = 0; p < count; p++)
            {
                long rest = p, ia = 0, ib = 0;
                for (int i = batch.Length - 1; i >= 0; i--)
                {
                    long idx = rest % batch[i];
                    rest /= batch[i];
                    if (a[i] != 1) ia += idx * sa[i];
                    if (b[i] != 1) ib += idx * sb[i];
                }
                offA[p] = ia * m * k;
                offB[p] = ib * k * n;
            }
            return new MatMulKernel(node, inputs, outputs, m, k, n, offA, offB);
        }

        public override void Forward(ExecContext ctx)
        {
            for (int p = 0; p < offsetsA.Length; p++)
                Mat.Product(ctx.K, new Mat(Inputs[0]!.Data, offsetsA[p], m, k), new Mat(Inputs[1]!.Data, offsetsB[p], k, n), Outputs[0].Data, (long)p * m * n, 1, 0);
        }

        public override void Backward(ExecContext ctx)
        {
            TrainTensor a = Inputs[0]!, b = Inputs[1]!;
            var dyBuf = Outputs[0].Grad!;
            // Batch indices that share an operand matrix (broadcast) add their gradients one after another.
            for (int p = 0; p < offsetsA.Length; p++)
            {
                var dy = new Mat(dyBuf, (long)p * m * n, m, n);
                if (a.Grad is { } da) Mat.Product(ctx.K, dy, new Mat(b.Data, offsetsB[p], k, n, T: true), da, offsetsA[p], 1, 1);
                if (b.Grad is { } db) Mat.Product(ctx.K, new Mat(a.Data, offsetsA[p], m, k, T: true), dy, db, offsetsB[p], 1, 1);
            }
        }
    }
}
