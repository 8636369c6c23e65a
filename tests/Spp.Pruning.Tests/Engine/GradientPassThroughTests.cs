using Spp.Graph;
using Spp.TestModels;

namespace Spp.Pruning.Tests.Engine;

/// <summary>
/// A residual Add (or Sub's first operand) hands its output's gradient buffer to one operand instead of copying it
/// (<see cref="Spp.Pruning.Engine.OpKernel.PassesGradThrough"/>). The cases the pass must get right: the operand is also
/// read by a node before the Add (whose backward then adds to the shared buffer), a Sub, and a fused ReLU whose output
/// is a graph output (its gradient buffer is the Add's, and stays apart from the operands'). Each against the same
/// graph with Identity nodes around the residual op (no sharing, no fusion) bit for bit, and against finite differences.
/// </summary>
public sealed class GradientPassThroughTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All.Keys)
            foreach (var c in new[] { "operand read before the add", "sub", "activated output is a graph output" })
                data.Add(backend, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Passed_through_gradients_equal_the_ops_apart(string backend, string name)
    {
        const int batch = 2;
        var shared = Build(name, separated: false);
        var apart = Build(name, separated: true);
        var rng = new Random(8);
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromFloats("x", [batch, 3, 5, 5], Enumerable.Range(0, batch * 75).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()),
        };
        using var one = new EngineRun(shared, batch, backend, training: true).WithInputGradients();
        using var two = new EngineRun(apart, batch, backend, training: true).WithInputGradients();
        var op = name == "sub" ? "Sub" : "Add";
        var residual = one.Graph.Kernels.Single(k => k.Node.OpType == op);
        Assert.Equal("Relu", residual.FusedActivation!.Value.Op.ToString());
        var outputGrads = one.Graph.Outputs.Select(o => o.Grad).ToList();
        if (name == "activated output is a graph output")
        {
            // The activated value's gradient is the Add's output's: no operand may take it.
            Assert.Contains(residual.Outputs[0].Grad, outputGrads);
            Assert.DoesNotContain(residual.Inputs, x => x!.Grad == residual.Outputs[0].Grad);
        }
        else
        {
            // The first operand takes the output's gradient buffer; the other keeps its own.
            Assert.Same(residual.Outputs[0].Grad, residual.Inputs[0]!.Grad);
            Assert.NotSame(residual.Inputs[0]!.Grad, residual.Inputs[1]!.Grad);
        }
        Assert.All(one.Graph.Inputs.Concat(residual.Inputs!), x => Assert.DoesNotContain(x!.Grad, outputGrads));

        one.SetInputs(inputs);
        two.SetInputs(inputs);
        var outOne = one.Forward();
        var outTwo = two.Forward();
        var ort = OrtHarness.Run(shared, inputs);
        for (int i = 0; i < outOne.Count; i++) Compare.Close(ort[i].ToFloats(), outOne[i], 1e-5, $"{name}: output {i} against ONNX Runtime");
        // Two steps: the second finds the buffers as the first left them.
        for (int step = 0; step < 2; step++)
        {
            var seeds = outOne.Select(o => o.Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToList();
            if (step == 1)
            {
                one.Forward();
                two.Forward();
            }
            one.Backward(seeds);
            two.Backward(seeds);
            Compare.Same(backend, two.Read(two.Graph.Inputs[0].Grad!, two.Graph.Inputs[0].Count), one.Read(one.Graph.Inputs[0].Grad!, one.Graph.Inputs[0].Count), $"step {step}: d/dx");
            Assert.Equal(two.Graph.Parameters.Count, one.Graph.Parameters.Count);
            foreach (var (p, q) in one.Graph.Parameters.Zip(two.Graph.Parameters))
                Compare.Same(backend, two.Read(q.Tensor.Grad!, q.Tensor.Count), one.Read(p.Tensor.Grad!, p.Tensor.Count), $"step {step}: d/d{p.Name}");
        }
        // A small step: 1e-3 moves one of the sums across the ReLU's kink here.
        if (backend != "ilgpu-cpu") GradientCheck.Run(one, $"{name} on {backend}", step: 1e-4, maxPerTensor: 6);
    }

    /// <summary>a = Conv(x), b = Relu(x) (both need gradients); r = Relu(a + b) or Relu(a - b); the output Conv(r)
    /// (and r itself in the last case); with "operand read before the add" also Sigmoid(a), computed before the Add.
    /// Separated: Identity on both operands and on the sum, so nothing is shared or fused.</summary>
    private static Model Build(string name, bool separated)
    {
        var b = new ModelBuilder(seed: 6, opset: 13);
        var x = b.Input("x", 3, 5, 5);
        var a = b.Conv(x, 3);
        string? before = name == "operand read before the add" ? b.Sigmoid(a) : null;
        var other = b.Node("Relu", [x]);
        if (separated)
        {
            a = b.Node("Identity", [a]);
            other = b.Node("Identity", [other]);
        }
        var sum = b.Node(name == "sub" ? "Sub" : "Add", [a, other]);
        if (separated) sum = b.Node("Identity", [sum]);
        var r = b.Relu(sum);
        b.Output(b.Conv(r, 2));
        if (before is not null) b.Output(before);
        if (name == "activated output is a graph output") b.Output(r);
        return b.Build();
    }
}
