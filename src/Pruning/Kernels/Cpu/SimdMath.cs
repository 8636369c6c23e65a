using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// The vector operations element-wise kernels need beyond <see cref="ISimd{TV}"/>: arithmetic,
/// comparisons as lane masks (all bits set where true), selection and the transcendental functions of
/// the BCL (Vector512.Exp and friends, accurate to about an ulp; Exp is pinned to exactly 1 at 0, where the
/// BCL's gives 1.0000001 and a one-class softmax would come out short of 1). Max and Min follow Math.Max and
/// Math.Min (NaN propagates, +0 above -0), so kernels match the reference's scalar definitions.
/// Only the 512- and 256-bit types implement it: Vector256 runs everywhere (in software where the
/// hardware lacks it), so kernels need no scalar copy.
/// </summary>
internal interface ISimdMath<TV> : ISimd<TV> where TV : struct
{
    static abstract TV Sub(TV x, TV y);
    static abstract TV Div(TV x, TV y);
    static abstract TV Max(TV x, TV y);
    static abstract TV Min(TV x, TV y);
    static abstract TV Neg(TV x);
    static abstract TV Abs(TV x);
    static abstract TV Sqrt(TV x);
    static abstract TV Exp(TV x);
    static abstract TV Log(TV x);
    static abstract TV Greater(TV x, TV y);
    static abstract TV GreaterOrEqual(TV x, TV y);
    static abstract TV Less(TV x, TV y);
    static abstract TV LessOrEqual(TV x, TV y);
    static abstract TV And(TV x, TV y);
    /// <summary>Lanes of x where mask is set, of y elsewhere.</summary>
    static abstract TV Select(TV mask, TV x, TV y);
    /// <summary>The largest lane (Math.Max across the lanes).</summary>
    static abstract float MaxAcross(TV x);
}

/// <summary>Float vectors widened to double vectors of the same width and back, for loops that must round once
/// per element or sum without float rounding (see <see cref="WideLoops{TV, TD, TS}"/>).</summary>
internal interface IWideSimd<TV, TD> : ISimdMath<TV> where TV : struct where TD : struct
{
    static abstract (TD Lower, TD Upper) Widen(TV x);
    static abstract TV Narrow(TD lower, TD upper);
    static abstract TD SplatWide(double x);
    static abstract TD AddWide(TD x, TD y);
    static abstract TD SubWide(TD x, TD y);
    static abstract TD FmaWide(TD x, TD y, TD z);
    static abstract double SumWide(TD x);
}

internal readonly partial struct Simd512 : IWideSimd<Vector512<float>, Vector512<double>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector512<double> Lower, Vector512<double> Upper) Widen(Vector512<float> x) => Vector512.Widen(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Narrow(Vector512<double> lower, Vector512<double> upper) => Vector512.Narrow(lower, upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> SplatWide(double x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> AddWide(Vector512<double> x, Vector512<double> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> SubWide(Vector512<double> x, Vector512<double> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> FmaWide(Vector512<double> x, Vector512<double> y, Vector512<double> z) => Vector512.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double SumWide(Vector512<double> x) => Vector512.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> x, Vector512<float> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Div(Vector512<float> x, Vector512<float> y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> x, Vector512<float> y) => Vector512.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Neg(Vector512<float> x) => -x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512<float>.One, Vector512.Exp(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Log(Vector512<float> x) => Vector512.Log(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Greater(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterOrEqual(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Less(Vector512<float> x, Vector512<float> y) => Vector512.LessThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessOrEqual(Vector512<float> x, Vector512<float> y) => Vector512.LessThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> x, Vector512<float> y) => x & y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> x, Vector512<float> y) => Vector512.ConditionalSelect(mask, x, y);

    public static float MaxAcross(Vector512<float> x)
    {
        float m = x[0];
        for (int i = 1; i < Vector512<float>.Count; i++) m = MathF.Max(m, x[i]);
        return m;
    }
}

internal readonly partial struct Simd256 : IWideSimd<Vector256<float>, Vector256<double>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector256<double> Lower, Vector256<double> Upper) Widen(Vector256<float> x) => Vector256.Widen(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Narrow(Vector256<double> lower, Vector256<double> upper) => Vector256.Narrow(lower, upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> SplatWide(double x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> AddWide(Vector256<double> x, Vector256<double> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> SubWide(Vector256<double> x, Vector256<double> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> FmaWide(Vector256<double> x, Vector256<double> y, Vector256<double> z) => Vector256.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double SumWide(Vector256<double> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> x, Vector256<float> y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Div(Vector256<float> x, Vector256<float> y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> x, Vector256<float> y) => Vector256.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> x, Vector256<float> y) => Vector256.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Neg(Vector256<float> x) => -x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sqrt(Vector256<float> x) => Vector256.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256<float>.One, Vector256.Exp(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Log(Vector256<float> x) => Vector256.Log(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Greater(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterOrEqual(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Less(Vector256<float> x, Vector256<float> y) => Vector256.LessThan(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessOrEqual(Vector256<float> x, Vector256<float> y) => Vector256.LessThanOrEqual(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> x, Vector256<float> y) => x & y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> x, Vector256<float> y) => Vector256.ConditionalSelect(mask, x, y);

    public static float MaxAcross(Vector256<float> x)
    {
        float m = x[0];
        for (int i = 1; i < Vector256<float>.Count; i++) m = MathF.Max(m, x[i]);
        return m;
    }
}
