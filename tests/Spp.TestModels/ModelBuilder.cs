using Attribute = Spp.Graph.Attribute;
using Spp.Graph;

namespace Spp.TestModels;

/// <summary>
/// Builds small ONNX models in the IR for tests: each method adds one node (with random weights
/// where it has any, from a seeded generator) and returns the name of its output. The batch
/// dimension of inputs is symbolic ("N") as in real exports.
/// </summary>
public sealed class ModelBuilder
{
    private readonly Graph.Graph _g = new() { Name = "test" };
    private readonly Random _rng;
    private readonly long _opset;
    private int _counter;

    public ModelBuilder(int seed = 0, long opset = 13)
    {
        _rng = new Random(seed);
        _opset = opset;
    }

    public Graph.Graph Graph => _g;

    public string Input(string name, params long[] dimsAfterBatch)
    {
        var dims = new List<Dim> { Dim.Sym("N") };
        dims.AddRange(dimsAfterBatch.Select(Dim.Of));
        _g.Inputs.Add(new ValueInfo(name, new TensorType(ElementType.Float, new Shape(dims))));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output with its inferred type.</summary>
    public void Output(string value) =>
        _g.Outputs.Add(new ValueInfo(value, Types().TypeOf(value) ?? throw new InvalidOperationException($"no type for {value}")));

    public Model Build(string producer = "spp-tests")
    {
        var m = new Model { IrVersion = 7, ProducerName = producer, Graph = _g };
        m.Opsets.Add(new OpsetImport("", _opset));
        GraphOrder.Check(_g);
        return m;
    }

    public GraphTypes Types() => ShapeInference.Run(_g, _opset);

    public Shape ShapeOf(string value) => Types().ShapeOf(value) ?? throw new InvalidOperationException($"no shape for {value}");

    public long Channels(string value) => ShapeOf(value)[1].Value ?? throw new InvalidOperationException($"channels of {value} unknown");

    private string Fresh(string prefix) => $"{prefix}_{_counter++}";

    public string Weight(string prefix, long[] dims, double scale = -1)
    {
        long n = Tensor.ElementCountOf(dims);
        if (scale < 0) scale = dims.Length > 1 ? Math.Sqrt(2.0 / (n / dims[0])) : 0.5;
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)((_rng.NextDouble() * 2 - 1) * scale);
        var name = Fresh(prefix);
        _g.AddInitializer(Tensor.FromFloats(name, dims, data));
        return name;
    }

    public string Const(string prefix, long[] dims, float[] values)
    {
        var name = Fresh(prefix);
        _g.AddInitializer(Tensor.FromFloats(name, dims, values));
        return name;
    }

    public string ConstInts(string prefix, params long[] values)
    {
        var name = Fresh(prefix);
        _g.AddInitializer(Tensor.FromInt64s(name, [values.Length], values));
        return name;
    }

    /// <summary>A scalar int64 initializer (Gather indices, Range bounds).</summary>
    public string ConstScalar(string prefix, long value)
    {
        var name = Fresh(prefix);
        _g.AddInitializer(Tensor.FromInt64s(name, [], [value]));
        return name;
    }

    public string Node(string op, IEnumerable<string> inputs, params Attribute[] attrs) =>
        NodeMulti(op, inputs, 1, attrs)[0];

    public string[] NodeMulti(string op, IEnumerable<string> inputs, int outputs, params Attribute[] attrs)
    {
        var name = Fresh(op.ToLowerInvariant());
        var outs = Enumerable.Range(0, outputs).Select(k => outputs == 1 ? name + "_out" : $"{name}_out{k}").ToArray();
        _g.Nodes.Add(new Node(op, name, inputs, outs, attrs));
        return outs;
    }

    public string Conv(string x, long outChannels, long kernel = 3, long stride = 1, long pad = -1, long group = 1,
        long dilation = 1, bool bias = true)
    {
        long cin = Channels(x);
        if (pad < 0) pad = (kernel - 1) / 2 * dilation;
        var w = Weight("w", [outChannels, cin / group, kernel, kernel]);
        var inputs = new List<string> { x, w };
        if (bias) inputs.Add(Weight("b", [outChannels], 0.1));
        return Node("Conv", inputs,
            Attribute.IntList("kernel_shape", kernel, kernel), Attribute.IntList("strides", stride, stride),
            Attribute.IntList("pads", pad, pad, pad, pad), Attribute.IntList("dilations", dilation, dilation),
            Attribute.Int("group", group));
    }

    public string BatchNorm(string x)
    {
        long c = Channels(x);
        float[] Rand(double lo, double hi) => Enumerable.Range(0, (int)c).Select(_ => (float)(lo + _rng.NextDouble() * (hi - lo))).ToArray();
        return Node("BatchNormalization",
            [x, Const("gamma", [c], Rand(0.5, 1.5)), Const("beta", [c], Rand(-0.5, 0.5)),
             Const("mean", [c], Rand(-0.3, 0.3)), Const("var", [c], Rand(0.5, 2))],
            Attribute.Float("epsilon", 1e-5f));
    }

    public string Relu(string x) => Node("Relu", [x]);
    public string Add(string a, string b) => Node("Add", [a, b]);
    public string Mul(string a, string b) => Node("Mul", [a, b]);
    public string Concat(long axis, params string[] xs) => Node("Concat", xs, Attribute.Int("axis", axis));
    public string GlobalAveragePool(string x) => Node("GlobalAveragePool", [x]);
    public string Flatten(string x) => Node("Flatten", [x], Attribute.Int("axis", 1));
    public string Sigmoid(string x) => Node("Sigmoid", [x]);

    public string MaxPool(string x, long k = 2, long stride = 2) =>
        Node("MaxPool", [x], Attribute.IntList("kernel_shape", k, k), Attribute.IntList("strides", stride, stride));

    public string Gemm(string x, long outFeatures)
    {
        long inFeatures = ShapeOf(x)[1].Value!.Value;
        return Node("Gemm", [x, Weight("fc_w", [outFeatures, inFeatures]), Weight("fc_b", [outFeatures], 0.1)],
            Attribute.Int("transB", 1));
    }

    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, ConstInts("shape", shape)]);

    /// <summary>Transpose; no perm reverses the axes.</summary>
    public string Transpose(string x, params long[] perm) =>
        perm.Length == 0 ? Node("Transpose", [x]) : Node("Transpose", [x], Attribute.IntList("perm", perm));

    public string[] Split(string x, long axis, params long[] sizes) =>
        NodeMulti("Split", [x, ConstInts("split", sizes)], sizes.Length, Attribute.Int("axis", axis));

    /// <summary>Random input for the model's input at a batch size (values in [-1, 1)).</summary>
    public static Tensor RandomInput(ValueInfo input, long batch, int seed)
    {
        var dims = input.Type!.Shape!.Dims.Select((d, i) => d.Value ?? (i == 0 ? batch : throw new InvalidOperationException())).ToArray();
        var rng = new Random(seed);
        var data = new float[Tensor.ElementCountOf(dims)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromFloats(input.Name, dims, data);
    }
}
