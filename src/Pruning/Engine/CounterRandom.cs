namespace Spp.Pruning.Engine;

/// <summary>
/// The counter-based uniform generator every backend uses for random masks (Dropout), so the same
/// seed gives the same mask on the CPU, on ILGPU's CPU accelerator and on CUDA. Pure 64-bit integer
/// arithmetic in static methods without classes or arrays, so ILGPU can compile it into kernels.
///
/// Definition (all arithmetic modulo 2^64, G = 0x9E3779B97F4A7C15):
/// Bits(seed, index) = Mix(Mix(seed + G) + (index + 1) * G), Uniform = (Bits >> 40) * 2^-24, where Mix
/// is SplitMix64's finaliser (Steele, Lea, Flood 2014): element index of SplitMix64's stream started
/// from state Mix(seed + G). The result has 24 random bits, all exactly representable in a float, in
/// [0, 1). The seed is mixed first so that neighbouring seeds do not give shifted copies of one
/// stream, and the + G keeps seed 0 and index 0 off Mix's fixed point at 0.
/// </summary>
public static class CounterRandom
{
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's output function: a bijection of 64-bit integers with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The 64 random bits of element <paramref name="index"/> of stream <paramref name="seed"/>.</summary>
    public static ulong Bits(ulong seed, ulong index) => Mix(Mix(seed + Golden) + (index + 1) * Golden);

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public static float Uniform(ulong seed, ulong index) => (Bits(seed, index) >> 40) * (1.0f / 16777216.0f);

    /// <summary>Derives the seed of a sub-stream (one Dropout node at one step) from a base seed.</summary>
    public static ulong Derive(ulong seed, ulong a, ulong b) => Mix(Mix(seed ^ Mix(a + Golden)) + b * Golden);
}
