namespace Spp.Pruning.Data;

/// <summary>Seeded sample order: a fresh permutation per epoch that depends only on (seed, epoch),
/// so a run can be repeated and resumed at any epoch.</summary>
public sealed class Shuffler(int count, int seed)
{
    public int Count { get; } = count;
    public int Seed { get; } = seed;

    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        // System.Random with a seed is a fixed algorithm across .NET versions; HashCode is not (it is
        // randomised per process), so the epoch is mixed in arithmetically.
        new Random(unchecked(Seed * 1_000_003 + epoch)).Shuffle(order);
        return order;
    }
}
