namespace Spp.Graph.Ops;

/// <summary>The one table of op rules, keyed by op type of the standard ONNX domain.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, OpRule> Rules = Build();

    private static Dictionary<string, OpRule> Build()
    {
        OpRule[] all =
        [
            new ConvRule(),
            new GemmRule(),
            new MatMulRule(),
            new UnaryRule(),
            new ElementwiseRule(),
            new ConstantRule(),
            new PoolRule(),
            new FlattenRule(),
            new ConcatRule(),
            new SplitRule(),
            new ReshapeRule(),
            new TransposeRule(),
            new SqueezeRule(),
            new PadRule(),
            new ResizeRule(),
            new SliceRule(),
            new GatherRule(),
            new ShapeRule(),
            new ConstantOfShapeRule(),
            new CastRule(),
            new ExpandRule(),
            new TileRule(),
            new RangeRule(),
            new ReduceRule(),
            new ArgReduceRule(),
            new TopKRule(),
            new NonZeroRule(),
            new SpaceDepthRule(),
        ];
        var map = new Dictionary<string, OpRule>();
        foreach (var rule in all)
            foreach (var op in rule.OpTypes)
                map.Add(op, rule);
        return map;
    }

    /// <summary>The rule for a node, or null for an op sppc does not understand (other domains
    /// included).</summary>
    public static OpRule? Find(Node node) => node.IsStandardDomain && Rules.TryGetValue(node.OpType, out var r) ? r : null;

    public static IEnumerable<string> KnownOps => Rules.Keys;
}
