using Xunit;
using Spp.Graph;

namespace Spp.TestModels;

/// <summary>ONNX Runtime is the judge of shape inference: every node output's inferred element type
/// and shape must equal what it produces, and every folded constant must equal the value it
/// computes, at batch 1 and 3.</summary>
public static class OrtAgreement
{
    /// <param name="name">Names the model in failure messages.</param>
    /// <param name="dataDependent">Outputs whose size depends on the data (NonZero): only their
    /// rank and the dims that inference claims to know are compared.</param>
    public static void Check(Model m, string name = "model", IReadOnlyCollection<string>? dataDependent = null)
    {
        foreach (long batch in new[] { 1L, 3L })
        {
            var runtime = OrtHarness.RuntimeValues(m, batch);
            var inferred = ShapeInference.Run(m.Graph, m.OnnxOpset, batch);
            Assert.Empty(inferred.Warnings);
            foreach (var n in m.Graph.Nodes)
                foreach (var o in n.Outputs.Where(o => o.Length > 0))
                {
                    var actual = runtime[o];
                    var type = inferred.TypeOf(o);
                    string where = $"{name}, batch {batch}: '{o}' of {n}";
                    Assert.True(type?.Shape is not null, $"{where}: no shape inferred");
                    Assert.True(type!.ElementType == actual.ElementType, $"{where}: inferred {type.ElementType}, ONNX Runtime {actual.ElementType}");
                    var shape = type.Shape!;
                    string dims = $"inferred {shape}, ONNX Runtime [{string.Join(",", actual.Dims)}]";
                    if (dataDependent?.Contains(o) == true)
                    {
                        Assert.True(shape.Rank == actual.Dims.Length && shape.Dims.Select((d, k) => d.Value is not long v || v == actual.Dims[k]).All(ok => ok), $"{where}: {dims}");
                        continue;
                    }
                    Assert.True(shape.IsFullyKnown && shape.ToLongs().SequenceEqual(actual.Dims), $"{where}: {dims}");
                    if (inferred.ValueOf(o) is { } folded)
                        Assert.True(folded.ToDoubles().SequenceEqual(actual.ToDoubles()), $"{where}: folded value differs from ONNX Runtime's");
                }
        }
    }

    /// <summary>Builds the model and checks it.</summary>
    public static void Check(ModelBuilder b, params string[] dataDependent) => Check(b.Build(), "model", dataDependent);
}
