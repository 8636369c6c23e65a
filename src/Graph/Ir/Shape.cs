namespace Spp.Graph;

/// <summary>An immutable tensor shape of known rank whose dims may be symbolic or unknown.
/// An unknown rank is represented by a null <see cref="Shape"/> reference.</summary>
public sealed class Shape : IEquatable<Shape>
{
    private readonly Dim[] _dims;

    public Shape(IEnumerable<Dim> dims) => _dims = dims.ToArray();
    public Shape(params long[] dims) => _dims = dims.Select(Dim.Of).ToArray();

    public static readonly Shape Scalar = new(Array.Empty<Dim>());

    public int Rank => _dims.Length;
    public Dim this[int axis] => _dims[axis];
    public IReadOnlyList<Dim> Dims => _dims;

    public bool IsFullyKnown => _dims.All(d => d.IsKnown);

    /// <summary>Known sizes; throws when a dim is not known.</summary>
    public long[] ToLongs() => _dims.Select(d => d.Value ?? throw new InvalidOperationException(
        $"shape {this} has a dimension that is not known")).ToArray();

    /// <summary>Product of dims, or null when any is not known.</summary>
    public long? ElementCount()
    {
        long n = 1;
        foreach (var d in _dims)
        {
            if (d.Value is not long v) return null;
            n *= v;
        }
        return n;
    }

    /// <summary>Normalises a possibly negative axis; throws for out-of-range axes.</summary>
    public int Axis(long axis)
    {
        long a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for rank {Rank}");
        return (int)a;
    }

    public Shape With(int axis, Dim dim)
    {
        var d = (Dim[])_dims.Clone();
        d[axis] = dim;
        return new Shape(d);
    }

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(",", _dims) + "]";
}
