using Spp.Graph;
using Spp.TestModels;

namespace Spp.Backend.Tests;

public class ShapeInferenceVsOrtTests
{
    [Theory]
    [MemberData(nameof(AllModels.Names), MemberType = typeof(AllModels))]
    public void InferredShapesEqualRuntimeShapes(string name)
    {
        var m = AllModels.Load(name);
        foreach (long batch in new[] { 1L, 3L })
        {
            var runtime = OrtHarness.RuntimeShapes(m, batch);
            var inferred = ShapeInference.Run(m.Graph, m.OnnxOpset, batch);
            Assert.Empty(inferred.Warnings);
            foreach (var n in m.Graph.Nodes)
                foreach (var o in n.Outputs.Where(o => o.Length > 0))
                {
                    var shape = inferred.ShapeOf(o);
                    Assert.True(shape is not null && shape.IsFullyKnown, $"{name}: no shape inferred for '{o}' of {n}");
                    Assert.True(runtime[o].SequenceEqual(shape!.ToLongs()),
                        $"{name}: '{o}' of {n}: inferred {shape}, ONNX Runtime [{string.Join(",", runtime[o])}]");
                }
        }
    }
}
