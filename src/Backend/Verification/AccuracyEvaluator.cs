using Spp.Backend.Runtime;
using Spp.Graph;

namespace Spp.Backend.Verification;

/// <summary>
/// Top-1 / top-5 accuracy of a classifier in ONNX Runtime over labeled batches (inputs NCHW, labels
/// per sample). The rank of the true class counts the classes with a larger logit plus the classes
/// before it with an equal one, so ties resolve as argmax does (first index wins); a NaN logit for
/// the true class is a miss. Models exported with a fixed batch size get their last, shorter batch
/// padded with zeros (<paramref name="fixedBatch"/>), and only the real samples are scored.
/// </summary>
public static class AccuracyEvaluator
{
    public static AccuracyResult Run(OrtModel model, IEnumerable<(float[] Inputs, long[] Dims, int[] Labels)> batches,
        Action<int>? progress = null, int? fixedBatch = null, CancellationToken cancel = default)
    {
        long count = 0, top1 = 0, top5 = 0;
        int classes = 0;
        foreach (var (inputs, dims, labels) in batches)
        {
            cancel.ThrowIfCancellationRequested();
            var (x, xDims) = (inputs, dims);
            if (fixedBatch is { } fb && dims[0] < fb)
            {
                xDims = [fb, .. dims[1..]];
                x = new float[inputs.Length / dims[0] * fb];
                inputs.CopyTo(x, 0);
            }
            var (logits, outDims) = model.RunFloats(x, xDims);
            if (outDims.Length != 2 || outDims[0] != xDims[0])
                throw new GraphException($"output '{model.OutputNames[0]}' has shape [{string.Join(",", outDims)}]; accuracy needs a classifier's [N, classes] logits");
            classes = (int)outDims[1];
            for (int n = 0; n < labels.Length; n++)
            {
                int rank = Rank(logits.AsSpan(n * classes, classes), labels[n]);
                if (rank < 1) top1++;
                if (rank < 5) top5++;
            }
            count += labels.Length;
            progress?.Invoke(labels.Length);
        }
        return new AccuracyResult(count, top1, top5, classes);
    }

    private static int Rank(ReadOnlySpan<float> z, int label)
    {
        if ((uint)label >= (uint)z.Length) throw new GraphException($"label {label} has no logit: the model gives {z.Length} classes");
        float y = z[label];
        if (float.IsNaN(y)) return int.MaxValue;
        int rank = 0;
        for (int j = 0; j < z.Length; j++)
            if (z[j] > y || (z[j] == y && j < label)) rank++;
        return rank;
    }
}
