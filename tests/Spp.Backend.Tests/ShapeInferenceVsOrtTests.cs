using Spp.TestModels;

namespace Spp.Backend.Tests;

public class ShapeInferenceVsOrtTests
{
    [Theory]
    [MemberData(nameof(AllModels.Names), MemberType = typeof(AllModels))]
    public void InferredShapesEqualRuntimeShapes(string name) => OrtAgreement.Check(AllModels.Load(name), name);
}
