using Spp.Graph;

namespace Spp.Pruning.Data;

/// <summary>What a classifier expects from data: its first input as an image batch [N,C,H,W]
/// (dims the model leaves open are null; a fixed batch dim is <see cref="Batch"/>) and the width of
/// its first output (the logits).</summary>
public sealed record ModelInput(string ModelPath, string InputName, int? Batch, int? Channels, int? Height, int? Width, string OutputName, int? Classes)
{
    public static ModelInput Of(Model model, string modelPath)
    {
        var g = model.Graph;
        var input = g.RealInputs.FirstOrDefault() ?? throw new DataFormatException($"{modelPath}: the model has no input");
        var shape = input.Type?.Shape;
        if (input.Type?.ElementType != ElementType.Float || shape is null || shape.Rank != 4)
            throw new DataFormatException($"{modelPath}: input '{input.Name}' is {input.Type?.ToString() ?? "untyped"}; data sets feed float image batches [N,C,H,W]");
        var output = g.Outputs.FirstOrDefault() ?? throw new DataFormatException($"{modelPath}: the model has no output");
        var outShape = ShapeInference.Run(g, model.OnnxOpset, batch: 1).TypeOf(output.Name)?.Shape ?? output.Type?.Shape;
        int? classes = outShape is { Rank: 2 } && outShape[1].Value is { } k ? (int)k : null;
        return new ModelInput(modelPath, input.Name, Dim(shape[0]), Dim(shape[1]), Dim(shape[2]), Dim(shape[3]), output.Name, classes);
    }

    private static int? Dim(Dim d) => d.Value is { } v ? (int)v : null;

    /// <summary>Preprocessing for this model from the user's flags; <c>--size</c> must agree with
    /// the sizes the model fixes.</summary>
    public Preprocessing Preprocessing(IReadOnlyList<float>? mean, IReadOnlyList<float>? std, (int Height, int Width)? size, ChannelOrder order)
    {
        int? h = Height, w = Width;
        if (size is { } s)
        {
            if ((h is { } mh && mh != s.Height) || (w is { } mw && mw != s.Width))
                throw new DataFormatException($"--size {s.Height}x{s.Width}: the model's input '{InputName}' is {h?.ToString() ?? "?"}x{w?.ToString() ?? "?"}");
            (h, w) = (s.Height, s.Width);
        }
        return new Preprocessing(Channels, h, w, mean, std, order);
    }

    /// <summary>Labels must name classes the model has; fewer classes than logits is fine (a subset).</summary>
    public void Check(DataSource data)
    {
        if (data.ClassCount is { } n && Classes is { } k && n > k)
            throw new DataFormatException($"{data.Path}: labels go up to {n - 1} ({n} classes) but the model's output '{OutputName}' has {k}");
    }
}
