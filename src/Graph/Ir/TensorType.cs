namespace Spp.Graph;

/// <summary>Type of a tensor value: element type and shape (null shape = rank not known).</summary>
public sealed record TensorType(ElementType ElementType, Shape? Shape)
{
    public override string ToString() => $"{ElementType.ShortName()}{Shape?.ToString() ?? "[?]"}";
}
