namespace Spp.Graph;

/// <summary>One dimension of a shape: a known size, a named symbol (e.g. batch "N"), or unknown.</summary>
public readonly record struct Dim
{
    public long? Value { get; }
    public string? Symbol { get; }

    private Dim(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    public static Dim Of(long value) => new(value, null);
    public static Dim Sym(string symbol) => new(null, symbol);
    public static readonly Dim Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static implicit operator Dim(long value) => Of(value);

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}
