using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spp.Pruning.Kernels.Cpu;

/// <summary>
/// Vector operations over one register type, so a kernel is written once as a generic method and the
/// JIT specializes it per width (struct type arguments): Vector512, Vector256, or scalar floats.
/// </summary>
internal unsafe interface ISimd<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Zero { get; }
    static abstract TV Splat(float x);
    static abstract TV Load(float* p);
    static abstract void Store(TV x, float* p);
    /// <summary>The first <paramref name="count"/> (0 &lt; count &lt; Count) floats at p, zeros after; reads nothing beyond.</summary>
    static abstract TV LoadPartial(float* p, int count);
    /// <summary>Lanes [from, to) from p + lane, zeros elsewhere; touches no other address (p itself may be invalid).</summary>
    static abstract TV LoadRange(float* p, int from, int to);
    /// <summary>A mask of lanes [from, to), for <see cref="LoadMasked"/>.</summary>
    static abstract TV RangeMask(int from, int to);
    /// <summary>The masked lanes from p + lane, zeros elsewhere; touches no other address.</summary>
    static abstract TV LoadMasked(float* p, TV mask);
    /// <summary>Stores the first <paramref name="count"/> lanes of x at p; writes nothing beyond.</summary>
    static abstract void StorePartial(TV x, float* p, int count);
    static abstract TV Add(TV x, TV y);
    static abstract TV Mul(TV x, TV y);
    /// <summary>x * y + z, fused.</summary>
    static abstract TV Fma(TV x, TV y, TV z);
    static abstract float Sum(TV x);
}

internal readonly unsafe partial struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> x, float* p) => x.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadPartial(float* p, int count) => Avx512F.MaskLoad(p, Mask(count), Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadRange(float* p, int from, int to) => LoadMasked(p, RangeMask(from, to));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RangeMask(int from, int to) => Vector512.AndNot(Mask(to), Mask(from));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMasked(float* p, Vector512<float> mask) => Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(Vector512<float> x, float* p, int count) => Avx512F.MaskStore(p, Mask(count), x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> x, Vector512<float> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> x, Vector512<float> y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> x, Vector512<float> y, Vector512<float> z) => Vector512.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> x) => Vector512.Sum(x);

    /// <summary>Lanes 0, 2, ..., 30 of the 32 floats a then b (a stride-2 row's even columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> EvenLanes(Vector512<float> a, Vector512<float> b) => Avx512F.PermuteVar16x32x2(a, EvenIndices, b);

    /// <summary>Lanes 1, 3, ..., 31 of the 32 floats a then b (a stride-2 row's odd columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> OddLanes(Vector512<float> a, Vector512<float> b) => Avx512F.PermuteVar16x32x2(a, OddIndices, b);

    // Expression-bodied so the JIT embeds them (a static readonly field would be read through a class-init
    // check when the method is compiled before the type is initialized).
    private static Vector512<int> EvenIndices => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static Vector512<int> OddIndices => Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

internal readonly unsafe partial struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> x, float* p) => x.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mask(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    public static Vector256<float> LoadPartial(float* p, int count)
    {
        if (Avx.IsSupported) return Avx.MaskLoad(p, Mask(count));
        float* t = stackalloc float[8];
        for (int i = 0; i < 8; i++) t[i] = i < count ? p[i] : 0f;
        return Vector256.Load(t);
    }

    public static Vector256<float> LoadRange(float* p, int from, int to) => LoadMasked(p, RangeMask(from, to));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RangeMask(int from, int to) => Vector256.AndNot(Mask(to), Mask(from));

    public static Vector256<float> LoadMasked(float* p, Vector256<float> mask)
    {
        if (Avx.IsSupported) return Avx.MaskLoad(p, mask);
        float* t = stackalloc float[8];
        for (int i = 0; i < 8; i++) t[i] = mask.AsInt32().GetElement(i) != 0 ? p[i] : 0f;
        return Vector256.Load(t);
    }

    public static void StorePartial(Vector256<float> x, float* p, int count)
    {
        if (Avx.IsSupported)
        {
            Avx.MaskStore(p, Mask(count), x);
            return;
        }
        for (int i = 0; i < count; i++) p[i] = x.GetElement(i);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> x, Vector256<float> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> x, Vector256<float> y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> x, Vector256<float> y, Vector256<float> z) => Vector256.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> x) => Vector256.Sum(x);
}

internal readonly unsafe struct SimdScalar : ISimd<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Splat(float x) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(float* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float x, float* p) => *p = x;
    public static float LoadPartial(float* p, int count) => 0f;
    public static float LoadRange(float* p, int from, int to) => from <= 0 && to >= 1 ? *p : 0f;
    public static float RangeMask(int from, int to) => from <= 0 && to >= 1 ? 1f : 0f;
    public static float LoadMasked(float* p, float mask) => mask != 0f ? *p : 0f;
    public static void StorePartial(float x, float* p, int count) { }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float x, float y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mul(float x, float y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float x, float y, float z) => MathF.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float x) => x;
}
