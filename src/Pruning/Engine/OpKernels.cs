using Spp.Graph;
using Spp.Pruning.Engine.Ops;

namespace Spp.Pruning.Engine;

/// <summary>The one table of training kernels, by op type (standard ONNX domain), the counterpart of
/// the Graph's OpRegistry: adding an op's forward and backward is one file plus one line here.</summary>
public static class OpKernels
{
    private static readonly Dictionary<string, IOpKernelFactory> Factories = Build();

    private static Dictionary<string, IOpKernelFactory> Build()
    {
        IOpKernelFactory[] all =
        [
            new ConvKernels(),
            new GemmKernels(),
            new NormalizationKernels(),
            new ActivationKernels(),
            new BinaryKernels(),
            new SoftmaxKernels(),
            new PoolKernels(),
            new ReduceKernels(),
            new ReshapeKernels(),
            new TransposeKernels(),
            new ConcatSplitKernels(),
            new SliceKernels(),
            new PadKernels(),
            new ResizeKernels(),
            new DropoutKernels(),
            new LrnKernels(),
        ];
        var map = new Dictionary<string, IOpKernelFactory>();
        foreach (var f in all)
            foreach (var op in f.OpTypes)
                map.Add(op, f);
        return map;
    }

    public static IOpKernelFactory? Find(Node node) => node.IsStandardDomain && Factories.TryGetValue(node.OpType, out var f) ? f : null;

    public static IEnumerable<string> Supported => Factories.Keys;
}
