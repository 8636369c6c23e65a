using Google.Protobuf;

namespace Spp.Frontend;

/// <summary>How content the IR does not model travels: the source message is cloned, the fields
/// the IR does model are cleared, and what is left (including unknown fields, which Google.Protobuf
/// keeps on parse) is serialized into the IR object's Extras. The Backend merges it back.</summary>
public static class Extras
{
    public static byte[]? OrNull(IMessage rest) => rest.CalculateSize() == 0 ? null : rest.ToByteArray();
}
