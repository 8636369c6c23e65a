using System.Diagnostics;
using System.Runtime.InteropServices;
using Spp.Graph;

namespace Spp.Pruning.Engine;

/// <summary>
/// The imported ONNX graph as a trainable network (DESIGN.md "Training"): float initializers that
/// trainable ops read as weights are parameters, BatchNormalization running statistics are state,
/// everything else is constant. Shapes are static, inferred at the training batch size, so shape
/// arithmetic is folded away and never runs. Reverse-mode autodiff runs the kernels' backward rules
/// in reverse node order.
/// </summary>
public sealed class TrainingGraph : IDisposable
{
    private readonly List<IBuffer> _owned = [];
    /// <summary>The convolution-to-BN statistics links, which allocate their buffers on first use.</summary>
    private readonly List<IDisposable> _links = [];
    private readonly Dictionary<string, IBuffer> _gatedCopies = new();

    public IKernels K { get; }
    public Model Model { get; }
    public int Batch { get; }
    public IReadOnlyList<OpKernel> Kernels { get; }
    public IReadOnlyDictionary<string, TrainTensor> Tensors { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>State updated by the forward pass in training mode (BN running statistics), by initializer name.</summary>
    public IReadOnlyDictionary<string, TrainTensor> State { get; }
    public IReadOnlyList<TrainTensor> Inputs { get; }
    public IReadOnlyList<TrainTensor> Outputs { get; }

    private TrainingGraph(IKernels k, Model model, int batch, List<OpKernel> kernels, Dictionary<string, TrainTensor> tensors,
        List<Parameter> parameters, Dictionary<string, TrainTensor> state, List<TrainTensor> inputs, List<TrainTensor> outputs)
    {
        K = k;
        Model = model;
        Batch = batch;
        Kernels = kernels;
        Tensors = tensors;
        Parameters = parameters;
        State = state;
        Inputs = inputs;
        Outputs = outputs;
    }

    public Parameter? Parameter(string initializer) => Parameters.FirstOrDefault(p => p.Name == initializer);

    /// <param name="shareWith">Another graph of the same model (another batch size, say) whose
    /// parameters and state buffers this one uses, so both see the same weights.</param>
    public static TrainingGraph Build(Model model, int batch, IKernels k, TrainingGraph? shareWith = null)
    {
        var g = model.Graph;
        var types = ShapeInference.Run(g, model.OnnxOpset, batch);
        var consumers = g.ConsumerMap();
        var owned = new List<IBuffer>();
        var tensors = new Dictionary<string, TrainTensor>();
        var parameters = new List<Parameter>();
        var state = new Dictionary<string, TrainTensor>();

        // Which initializers are trainable or state: asked of the kernels that read them.
        var trainable = new HashSet<string>();
        var stateNames = new HashSet<string>();
        foreach (var n in g.Nodes)
        {
            if (OpKernels.Find(n) is not { } f) continue;
            foreach (int i in f.TrainableInputs(n)) if (n.Input(i) is { } name && g.Initializers.ContainsKey(name)) trainable.Add(name);
            foreach (int i in f.StateInputs(n)) if (n.Input(i) is { } name && g.Initializers.ContainsKey(name)) stateNames.Add(name);
        }
        trainable.ExceptWith(stateNames);

        TrainTensor Constant(string name, Tensor t)
        {
            if (!t.ElementType.IsFloatingPoint() && t.ElementType is not (ElementType.Int64 or ElementType.Int32 or ElementType.Bool))
                throw new TrainingException($"constant '{name}' has element type {t.ElementType}, which training does not support");
            var shape = t.Dims.Select(d => checked((int)d)).ToArray();
            if (shareWith?.Tensors.TryGetValue(name, out var shared) == true && (trainable.Contains(name) || stateNames.Contains(name)))
                return shared;
            var buf = k.Allocate(Math.Max(1, t.ElementCount));
            owned.Add(buf);
            k.Upload(t.ToFloats(), buf);
            return new TrainTensor(name, shape, buf);
        }

        var folded = new HashSet<Node>();
        var kernels = new List<OpKernel>();
        foreach (var node in g.Nodes)
        {
            // Shape arithmetic is folded at this batch size: nothing to run.
            if (node.Outputs.All(o => o.Length == 0 || types.IsConstant(o))) { folded.Add(node); continue; }
            var factory = OpKernels.Find(node) ?? throw new TrainingException($"node {node}: no training kernel for op {node.OpType}");
            var inputs = new TrainTensor?[node.Inputs.Count];
            for (int i = 0; i < inputs.Length; i++)
            {
                var name = node.Input(i);
                if (name is null) continue;
                if (!tensors.TryGetValue(name, out var t))
                {
                    if (types.ValueOf(name) is { } value) t = Constant(name, value);
                    else if (g.RealInputs.FirstOrDefault(x => x.Name == name) is not null) t = Value(name);
                    else throw new TrainingException($"node {node}: input '{name}' is not available");
                    tensors[name] = t;
                }
                inputs[i] = t;
            }
            var outputs = node.Outputs.Select(o => tensors[o] = Value(o)).ToArray();
            kernels.Add(factory.Create(node, inputs, outputs, new KernelBuildContext(k, types, model.OnnxOpset)));
        }

        TrainTensor Value(string name)
        {
            var shape = types.ShapeOf(name) ?? throw new TrainingException($"value '{name}': shape not known at batch {batch}");
            if (!shape.IsFullyKnown) throw new TrainingException($"value '{name}': shape {shape} not fully known at batch {batch}");
            var dims = shape.ToLongs().Select(d => checked((int)d)).ToArray();
            var buf = k.Allocate(Math.Max(1, dims.Aggregate(1L, (p, d) => p * d)));
            owned.Add(buf);
            return new TrainTensor(name, dims, buf);
        }

        foreach (var name in trainable)
        {
            if (!tensors.TryGetValue(name, out var t)) continue;
            var shared = shareWith?.Parameter(name);
            var velocity = shared?.Velocity ?? k.Allocate(t.Count);
            if (shared is null) owned.Add(velocity);
            // Weight decay applies to weights (rank >= 2), not to biases and normalisation parameters.
            // A shared tensor's Data may be a gated copy at this moment: take the owner's master.
            parameters.Add(new Parameter(name, t, shared?.Master ?? t.Data, velocity) { Decay = t.Shape.Length >= 2 });
        }
        foreach (var name in stateNames) if (tensors.TryGetValue(name, out var t)) state[name] = t;

        // Gradients flow from parameters forward: a value needs one when any input of its producer does.
        foreach (var p in parameters) p.Tensor.Grad ??= Own(k.Allocate(p.Tensor.Count));
        foreach (var kernel in kernels)
        {
            if (!kernel.Inputs.Any(i => i?.NeedsGrad == true)) continue;
            if (!kernel.HasBackward) throw new TrainingException($"node {kernel.Node}: {kernel.Node.OpType} has no backward rule, and it lies between a parameter and the output");
            foreach (var o in kernel.Outputs) o.Grad ??= Own(k.Allocate(o.Count));
        }
        IBuffer Own(IBuffer b) { owned.Add(b); return b; }
        MarkOverwrittenGrads(kernels, parameters, g);
        ShareInPlaceBuffers(kernels, g, owned);
        FuseActivations(kernels);
        ShareGradientsPassedThrough(kernels, g, tensors, owned);
        var links = new List<IDisposable>();
        LinkMoments(kernels, g, k, links);

        var graphInputs = g.RealInputs.Select(i => tensors.TryGetValue(i.Name, out var t) ? t : tensors[i.Name] = Value(i.Name)).ToList();
        var graphOutputs = g.Outputs.Select(o => tensors.TryGetValue(o.Name, out var t) ? t
            : throw new TrainingException($"graph output '{o.Name}' is a constant; nothing to train")).ToList();
        var result = new TrainingGraph(k, model, batch, kernels, tensors, parameters, state, graphInputs, graphOutputs);
        result._owned.AddRange(owned);
        result._owned.AddRange(kernels.SelectMany(x => x.OwnedBuffers));
        result._links.AddRange(links);
        return result;
    }

    /// <summary>A value's gradient need not be zeroed before backward when its last reader in forward
    /// order (the first to reach it in backward) can write it outright: most activations of a CNN have one
    /// reader (a conv output read only by its BN), and a residual stream's is written by the Add of the
    /// next block, then added to by that block's convolution. The last reader must read the value once
    /// (with two inputs on it, which is written first would depend on the kernel). Graph outputs (the loss
    /// seeds them) and parameters (read by the optimizer and the gates) are always zeroed and added to.</summary>
    private static void MarkOverwrittenGrads(List<OpKernel> kernels, List<Parameter> parameters, global::Spp.Graph.Graph g)
    {
        var last = new Dictionary<TrainTensor, (OpKernel Kernel, int Input, int Times)>();
        foreach (var kernel in kernels)
            for (int i = 0; i < kernel.Inputs.Length; i++)
                if (kernel.Inputs[i] is { } t)
                    last[t] = last.TryGetValue(t, out var r) && r.Kernel == kernel ? r with { Times = r.Times + 1 } : (kernel, i, 1);
        var excluded = parameters.Select(p => p.Tensor.Name).Concat(g.Outputs.Select(o => o.Name)).ToHashSet();
        foreach (var (t, r) in last)
        {
            bool writes = t.NeedsGrad && r.Times == 1 && !excluded.Contains(t.Name) && r.Kernel.OverwritesGrad(r.Input);
            (t.GradWriter, t.GradWriterInput) = writes ? (r.Kernel, r.Input) : (null, 0);
        }
    }

    /// <summary>
    /// An activation that can run in place (<see cref="OpKernel.CanRunInPlace"/>: ReLU, Clip) shares its
    /// input's buffer when it is that value's only reader and the value's producer does not read it back in
    /// backward (a conv, BN or Add output); their gradients then share one buffer too, the activation writing
    /// its input's gradient over its output's (it must be that gradient's writer). A CNN keeps one
    /// activation-sized buffer less per pair, and the activation no longer streams into a second one.
    /// </summary>
    private static void ShareInPlaceBuffers(List<OpKernel> kernels, global::Spp.Graph.Graph g, List<IBuffer> owned)
    {
        var readers = new Dictionary<TrainTensor, int>();
        foreach (var kernel in kernels)
            foreach (var t in kernel.Inputs) if (t is not null) readers[t] = readers.GetValueOrDefault(t) + 1;
        var producers = FirstOutputProducers(kernels);
        var outputs = OutputNames(g);
        foreach (var kernel in kernels)
        {
            if (!kernel.CanRunInPlace || kernel.Inputs[0] is not { } x) continue;
            var y = kernel.Outputs[0];
            bool shares = x.Count == y.Count && readers[x] == 1 && !outputs.Contains(x.Name)
                && producers.TryGetValue(x, out var producer) && !producer.BackwardReadsOutput
                && x.NeedsGrad == y.NeedsGrad && (!x.NeedsGrad || x.GradWriter == kernel);
            if (!shares) continue;
            Release(y.Data);
            y.Data = x.Data;
            if (y.Grad is { } grad)
            {
                Release(grad);
                y.Grad = x.Grad;
            }
        }

        void Release(IBuffer b)
        {
            owned.Remove(b);
            b.Dispose();
        }
    }

    /// <summary>
    /// An in-place activation (sharing its input's buffers, <see cref="ShareInPlaceBuffers"/>) whose input's producer
    /// can apply it (<see cref="OpKernel.TryFuseActivation"/>: BatchNormalization, Add, Sub) is folded into that producer and
    /// leaves the kernel list: the producer writes the activated values and takes their gradient, so the activation's
    /// pass over memory goes, each way.
    /// </summary>
    private static void FuseActivations(List<OpKernel> kernels)
    {
        var producers = FirstOutputProducers(kernels);
        kernels.RemoveAll(kernel =>
            kernel.InPlaceActivation is { } activation && kernel.Inputs[0] is { } x && kernel.Outputs[0].Data == x.Data
            && kernel.Outputs[0].Grad == x.Grad && producers.TryGetValue(x, out var producer) && producer.TryFuseActivation(activation));
    }

    /// <summary>
    /// An input whose gradient a kernel writes as its output's gradient unchanged (<see cref="OpKernel.PassesGradThrough"/>:
    /// a residual Add's operands) takes that output's gradient buffer: the output's gradient is dead once that kernel's
    /// backward has run, and the input's other readers, which add to its gradient, run after it. One input per kernel
    /// (two would make their gradients one buffer), and only gradients no other value shares (an in-place activation's
    /// pair) and that no graph output holds: neither the output's own nor, through a fused activation, the activated
    /// value's (a graph output's gradient must keep the seed's meaning). The copy goes, and one activation-sized buffer.
    /// </summary>
    private static void ShareGradientsPassedThrough(List<OpKernel> kernels, global::Spp.Graph.Graph g, Dictionary<string, TrainTensor> tensors,
        List<IBuffer> owned)
    {
        var outputGrads = g.Outputs.Select(o => tensors.GetValueOrDefault(o.Name)?.Grad).OfType<IBuffer>().ToHashSet();
        var holders = new Dictionary<IBuffer, int>();
        foreach (var t in kernels.SelectMany(k => k.Inputs.Concat(k.Outputs)).OfType<TrainTensor>().Distinct())
            if (t.Grad is { } grad) holders[grad] = holders.GetValueOrDefault(grad) + 1;
        foreach (var kernel in kernels)
        {
            var y = kernel.Outputs.Length > 0 ? kernel.Outputs[0] : null;
            if (y?.Grad is null || outputGrads.Contains(y.Grad)) continue;
            for (int i = 0; i < kernel.Inputs.Length; i++)
            {
                if (kernel.Inputs[i] is not { } x || x.Grad is not { } grad || x.GradWriter != kernel || x.GradWriterInput != i) continue;
                if (!kernel.PassesGradThrough(i) || x.Count != y.Count || outputGrads.Contains(grad) || holders[grad] != 1) continue;
                owned.Remove(grad);
                grad.Dispose();
                x.Grad = y.Grad;
                holders[y.Grad]++;
                break;
            }
        }
    }

    /// <summary>
    /// A value that a convolution writes and only a batch normalization reads gets a <see cref="MomentsLink"/> between
    /// them: the convolution takes BN's statistics of it as it writes it (<see cref="IKernels.ConvForwardWithPlaneMoments"/>),
    /// and BN does not read it back for them.
    /// </summary>
    private static void LinkMoments(List<OpKernel> kernels, global::Spp.Graph.Graph g, IKernels k, List<IDisposable> links)
    {
        if (!k.TakesPlaneMoments) return;
        var outputs = OutputNames(g);
        var readers = new Dictionary<TrainTensor, List<OpKernel>>();
        foreach (var kernel in kernels)
            foreach (var t in kernel.Inputs.OfType<TrainTensor>().Distinct())
                (readers.TryGetValue(t, out var list) ? list : readers[t] = []).Add(kernel);
        foreach (var producer in kernels.Where(p => p.ProvidesMoments))
        {
            var y = producer.Outputs[0];
            if (outputs.Contains(y.Name) || y.Shape.Length < 2 || !readers.TryGetValue(y, out var list) || list.Count != 1) continue;
            var consumer = list[0];
            if (!consumer.TakesMoments || consumer.Inputs[0] != y || consumer.Inputs.Skip(1).Contains(y)) continue;
            // Two doubles per (image, channel) plane.
            var link = new MomentsLink(k, 4L * y.Shape[0] * y.Shape[1]);
            links.Add(link);
            producer.Moments = consumer.Moments = link;
        }
    }

    /// <summary>Each kernel by its first output (the value the graph passes reason about).</summary>
    private static Dictionary<TrainTensor, OpKernel> FirstOutputProducers(List<OpKernel> kernels) =>
        kernels.Where(k => k.Outputs.Length > 0).ToDictionary(k => k.Outputs[0]);

    private static HashSet<string> OutputNames(global::Spp.Graph.Graph g) => g.Outputs.Select(o => o.Name).ToHashSet();

    public void SetInput(int index, ReadOnlySpan<float> data)
    {
        var t = Inputs[index];
        if (data.Length != t.Count) throw new ArgumentException($"input '{t.Name}' takes {t.Count} values, got {data.Length}");
        K.Upload(data, t.Data);
    }

    /// <summary>Runs the forward pass; gated parameters are seen through their gates.</summary>
    public void Forward(ExecContext ctx)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (var p in Parameters)
        {
            if (p.Gates.Count == 0) { p.Tensor.Data = p.Master; continue; }
            if (!_gatedCopies.TryGetValue(p.Name, out var copy))
            {
                _gatedCopies[p.Name] = copy = K.Allocate(p.Tensor.Count);
                _owned.Add(copy);
            }
            var src = p.Master;
            foreach (var gate in p.Gates)
            {
                K.ApplyMask(gate, src, copy, p.Tensor.Count);
                src = copy;
            }
            p.Tensor.Data = copy;
        }
        ctx.Profile?.Add("(gates)", "forward", start);
        foreach (var kernel in Kernels)
        {
            start = Stopwatch.GetTimestamp();
            kernel.Forward(ctx);
            ctx.Profile?.Add(ctx.Profile.KeyOf(kernel), "forward", start);
        }
    }

    /// <summary>Zeroes every gradient; call before seeding the output gradient.</summary>
    public void ZeroGrads(ExecContext? ctx = null)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (var t in Tensors.Values.Distinct())
            if (t.Grad is { } g && !t.GradOverwritten) K.Fill(g, 0, 0, t.Count);
        ctx?.Profile?.Add("(zero gradients)", "backward", start);
    }

    /// <summary>Runs the backward pass from the output gradients already in place (the loss writes
    /// them), leaving parameter gradients with respect to the ungated master weights.</summary>
    public void Backward(ExecContext ctx)
    {
        for (int i = Kernels.Count - 1; i >= 0; i--)
            if (Kernels[i].Inputs.Any(x => x?.NeedsGrad == true))
            {
                long start = Stopwatch.GetTimestamp();
                Kernels[i].Backward(ctx);
                ctx.Profile?.Add(ctx.Profile.KeyOf(Kernels[i]), "backward", start);
            }
        long gates = Stopwatch.GetTimestamp();
        foreach (var p in Parameters)
            foreach (var gate in p.Gates) K.ApplyMask(gate, p.Tensor.Grad!, p.Tensor.Grad!, p.Tensor.Count);
        ctx.Profile?.Add("(gates)", "backward", gates);
    }

    /// <summary>The model with the trained parameters and state written into its initializers.</summary>
    public Model Export()
    {
        var g = Model.Graph.Clone();
        foreach (var t in Parameters.Select(p => (p.Name, Buffer: p.Master, p.Tensor.Count)).Concat(State.Values.Select(s => (s.Name, Buffer: s.Data, s.Count))))
        {
            var data = new float[t.Count];
            K.Download(t.Buffer, data);
            var old = g.Initializers[t.Name];
            g.Initializers[t.Name] = old.ElementType == ElementType.Float
                ? old.WithData(old.Dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray())
                : Tensor.FromDoubles(old.Name, old.ElementType, old.Dims, data.Select(v => (double)v).ToArray());
        }
        return Model.CloneWithGraph(g);
    }

    public float[] Download(TrainTensor t)
    {
        var data = new float[t.Count];
        K.Download(t.Data, data);
        return data;
    }

    public void Dispose()
    {
        foreach (var b in _owned.Distinct()) b.Dispose();
        _owned.Clear();
        foreach (var link in _links) link.Dispose();
        _links.Clear();
    }
}
