using System.Runtime.Intrinsics;
using Spp.Pruning.Engine;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>Unary and broadcast binary element-wise ops and their gradients. The function is turned into a
/// type once per call (a visitor over the op), so each op runs its own specialized vector loop.</summary>
public sealed unsafe partial class CpuKernels
{
    public void Unary(UnaryOp op, float a, float b, IBuffer x, IBuffer y, long count)
    {
        var job = new UnaryJob(a, b, Checked(x, count), null, null, Checked(y, count), count, false, DegreeOfParallelism);
        UnaryFunctions.Dispatch(op, ref job);
    }

    public void UnaryBackward(UnaryOp op, float a, float b, IBuffer x, IBuffer y, IBuffer dy, IBuffer dx, long count, bool accumulate)
    {
        var job = new UnaryJob(a, b, Checked(x, count), Checked(y, count), Checked(dy, count), Checked(dx, count), count, accumulate, DegreeOfParallelism)
        {
            Backward = true,
        };
        UnaryFunctions.Dispatch(op, ref job);
    }

    /// <summary>Forward: Out = f(X). Backward: Out (+)= Dy * f'(X) (reading Y = f(X) when the slope wants it).</summary>
    private readonly struct UnaryJob(float a, float b, float* x, float* y, float* dy, float* output, long count, bool accumulate, int degree)
        : IUnaryVisitor
    {
        public bool Backward { get; init; }

        public void Visit<TF>() where TF : struct, IUnaryFunction
        {
            if (UsesVector512) Run<TF, Vector512<float>, Simd512>();
            else Run<TF, Vector256<float>, Simd256>();
        }

        private void Run<TF, TV, TS>() where TF : struct, IUnaryFunction where TV : struct where TS : struct, ISimdMath<TV>
        {
            var p = UnaryArgs<TV>.Create<TS>(a, b);
            nint xp = (nint)x, yp = (nint)y, dyp = (nint)dy, op = (nint)output;
            bool backward = Backward, acc = accumulate;
            ParallelRanges.For(count, degree, ElementGrain, (s, e) =>
            {
                int n = (int)(e - s);
                if (backward) ElementwiseLoops<TV, TS>.Slope<TF>((float*)xp + s, (float*)yp + s, (float*)dyp + s, (float*)op + s, n, acc, p);
                else ElementwiseLoops<TV, TS>.Map<TF>((float*)xp + s, (float*)op + s, n, p);
            });
        }
    }

    public void Binary(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y)
    {
        var layout = BroadcastLayout(d, a, b);
        var job = new BinaryJob(layout, P(a), P(b), null, Checked(y, d.Count), false, DegreeOfParallelism);
        BinaryFunctions.Dispatch(op, ref job);
    }

    /// <summary>Operands of the output's shape run in one pass; broadcast ones as the two ops.</summary>
    public void BinaryActivation(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer y, Activation activation)
    {
        if (!d.AShape.AsSpan().SequenceEqual(d.OutShape) || !d.BShape.AsSpan().SequenceEqual(d.OutShape))
        {
            Binary(op, d, a, b, y);
            ((IKernels)this).ActivationInPlace(activation, y, d.Count);
            return;
        }
        var job = new BinaryActivationJob(op, Checked(a, d.Count), Checked(b, d.Count), Checked(y, d.Count), d.Count, activation, DegreeOfParallelism);
        UnaryFunctions.Dispatch(activation.Op, ref job);
    }

    /// <summary>The activation known as a type; then the binary function.</summary>
    private readonly struct BinaryActivationJob(BinaryOp op, float* a, float* b, float* y, long count, Activation activation, int degree)
        : IUnaryVisitor
    {
        public void Visit<TG>() where TG : struct, IUnaryFunction
        {
            var inner = new Runs<TG>(a, b, y, count, activation, degree);
            BinaryFunctions.Dispatch(op, ref inner);
        }

        private readonly struct Runs<TG>(float* a, float* b, float* y, long count, Activation activation, int degree) : IBinaryVisitor
            where TG : struct, IUnaryFunction
        {
            public void Visit<TF>() where TF : struct, IBinaryFunction
            {
                if (UsesVector512) Run<TF, Vector512<float>, Simd512>();
                else Run<TF, Vector256<float>, Simd256>();
            }

            private void Run<TF, TV, TS>() where TF : struct, IBinaryFunction where TV : struct where TS : struct, ISimdMath<TV>
            {
                var p = UnaryArgs<TV>.Create<TS>(activation.A, activation.B);
                nint ap = (nint)a, bp = (nint)b, yp = (nint)y;
                ParallelRanges.For(count, degree, ElementGrain, (s, e) =>
                    ElementwiseLoops<TV, TS>.BinaryActivated<TF, TG>((float*)ap + s, (float*)bp + s, (float*)yp + s, (int)(e - s), p));
            }
        }
    }

    public void BinaryBackward(BinaryOp op, in BroadcastDesc d, IBuffer a, IBuffer b, IBuffer dy, IBuffer? da, IBuffer? db)
    {
        var layout = BroadcastLayout(d, a, b);
        Checked(dy, d.Count);
        if (da is not null) OperandGradient(op, d, layout, wrtA: true, a, b, dy, da);
        if (db is not null) OperandGradient(op, d, layout, wrtA: false, a, b, dy, db);
    }

    /// <summary>
    /// Adds one operand's gradient into <paramref name="dx"/>. A full-shape operand gets dy times its partial
    /// element by element; a broadcast one gets that product summed over its broadcast axes as it is formed
    /// (never stored). A constant partial (Add, Sub) needs no product: dy itself is added or summed, times it.
    /// </summary>
    private void OperandGradient(BinaryOp op, in BroadcastDesc d, in StridedLayout layout, bool wrtA, IBuffer a, IBuffer b, IBuffer dy, IBuffer dx)
    {
        int[] shape = wrtA ? d.AShape : d.BShape;
        float* target = Checked(dx, Count(shape));
        bool full = shape.AsSpan().SequenceEqual(d.OutShape);
        if (BinaryFunctions.ConstantPartial(op, wrtA) is float constant)
        {
            // Neither operand is read: dx += constant * dy, summed over the broadcast axes if any.
            if (full)
            {
                nint t = (nint)target, grad = (nint)P(dy);
                ForRange(d.Count, (s, e) => VectorOps.Axpy((float*)t + s, (float*)grad + s, constant, (int)(e - s)));
            }
            else Reduction.Run(new ReduceDesc(d.OutShape, shape, constant), P(dy), target, accumulate: true, DegreeOfParallelism);
            return;
        }
        if (full)
        {
            var job = new BinaryJob(layout, P(a), P(b), P(dy), target, true, DegreeOfParallelism) { WrtA = wrtA };
            BinaryFunctions.Dispatch(op, ref job);
            return;
        }
        // dy times the partial, summed over the broadcast axes as it is computed: dy at S0, the operand
        // (also the sum's target) at S1, the other operand at S2.
        int rank = d.OutShape.Length;
        Span<long> sy = stackalloc long[rank], sx = stackalloc long[rank], so = stackalloc long[rank];
        StridedLayout.Strides(d.OutShape, sy);
        StridedLayout.Strides(shape, sx, broadcast: true);
        StridedLayout.Strides(wrtA ? d.BShape : d.AShape, so, broadcast: true);
        var sums = new GradientSumJob(StridedLayout.Create(d.OutShape, sy, sx, so), wrtA, P(wrtA ? a : b), P(wrtA ? b : a), P(dy), target, DegreeOfParallelism);
        BinaryFunctions.Dispatch(op, ref sums);
    }

    /// <summary>Target += the sum over broadcast axes of dy times the partial of the operand X (see <see cref="GradientRuns{TF, TV, TS}"/>).</summary>
    private readonly struct GradientSumJob(in StridedLayout layout, bool wrtA, float* x, float* other, float* dy, float* target, int degree) : IBinaryVisitor
    {
        private readonly StridedLayout _layout = layout;

        public void Visit<TF>() where TF : struct, IBinaryFunction
        {
            if (UsesVector512) Run<TF, Vector512<float>, Simd512>();
            else Run<TF, Vector256<float>, Simd256>();
        }

        private void Run<TF, TV, TS>() where TF : struct, IBinaryFunction where TV : struct where TS : struct, ISimdMath<TV>
        {
            int last = _layout.Rank - 1;
            var source = new GradientRuns<TF, TV, TS>(wrtA, x, _layout.S1[last] != 0, other, _layout.S2[last] != 0, dy);
            Reduction.Run(_layout, 1f, source, target, accumulate: true, degree);
        }
    }

    private static long Count(int[] shape)
    {
        long c = 1;
        foreach (int s in shape) c *= s;
        return c;
    }

    /// <summary>The coalesced broadcast: a's strides in S0, b's in S1 (0 on broadcast dims), the output's in S2.</summary>
    private static StridedLayout BroadcastLayout(in BroadcastDesc d, IBuffer a, IBuffer b)
    {
        int rank = d.OutShape.Length;
        if (d.AShape.Length != rank || d.BShape.Length != rank || rank > BroadcastDesc.MaxRank)
            throw new ArgumentException($"broadcast: operand ranks {d.AShape.Length} and {d.BShape.Length} against output rank {rank} (at most {BroadcastDesc.MaxRank})");
        for (int k = 0; k < rank; k++)
            if (d.AShape[k] != 1 && d.AShape[k] != d.OutShape[k] || d.BShape[k] != 1 && d.BShape[k] != d.OutShape[k])
                throw new ArgumentException($"broadcast: dim {k} of [{string.Join(",", d.AShape)}] and [{string.Join(",", d.BShape)}] does not broadcast to [{string.Join(",", d.OutShape)}]");
        Checked(a, Count(d.AShape));
        Checked(b, Count(d.BShape));
        Span<long> sa = stackalloc long[rank], sb = stackalloc long[rank], sy = stackalloc long[rank];
        StridedLayout.Strides(d.AShape, sa, broadcast: true);
        StridedLayout.Strides(d.BShape, sb, broadcast: true);
        StridedLayout.Strides(d.OutShape, sy);
        return StridedLayout.Create(d.OutShape, sa, sb, sy);
    }

    /// <summary>Forward: Out = f(A, B). Gradient: Out (+)= Dy * (partial of f in a or b), Out and Dy output-shaped.</summary>
    private readonly struct BinaryJob(in StridedLayout layout, float* a, float* b, float* dy, float* output, bool accumulate, int degree)
        : IBinaryVisitor
    {
        private readonly StridedLayout _layout = layout;
        public bool WrtA { get; init; }

        public void Visit<TF>() where TF : struct, IBinaryFunction
        {
            if (UsesVector512) Run<TF, Vector512<float>, Simd512>();
            else Run<TF, Vector256<float>, Simd256>();
        }

        private void Run<TF, TV, TS>() where TF : struct, IBinaryFunction where TV : struct where TS : struct, ISimdMath<TV>
        {
            var l = _layout;
            int last = l.Rank - 1;
            var runs = new Runs<TF, TV, TS>(a, l.S0[last] != 0, b, l.S1[last] != 0, dy, output, WrtA, accumulate);
            ParallelRanges.For(l.Count, degree, ElementGrain, (s, e) =>
            {
                var job = runs;
                l.ForRuns(s, e, ref job);
            });
        }
    }

    private readonly struct Runs<TF, TV, TS>(float* a, bool aRun, float* b, bool bRun, float* dy, float* output, bool wrtA, bool accumulate)
        : IRunJob where TF : struct, IBinaryFunction where TV : struct where TS : struct, ISimdMath<TV>
    {
        public void Run(long oa, long ob, long oy, int count)
        {
            if (dy == null) ElementwiseLoops<TV, TS>.Binary<TF>(a + oa, aRun, b + ob, bRun, output + oy, count);
            else ElementwiseLoops<TV, TS>.BinaryGradient<TF>(wrtA, a + oa, aRun, b + ob, bRun, dy + oy, output + oy, count, accumulate);
        }
    }
}
