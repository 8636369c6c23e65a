using Spp.TestModels;
using A = Spp.Graph.Attribute;

namespace Spp.Pruning.Tests.Engine;

/// <summary>The op cases: every op the engine trains, with the attribute variants exporters write.
/// The same list drives the forward-vs-ONNX-Runtime tests and the gradient checks, so it doubles as
/// the coverage list.</summary>
public static class OpCatalog
{
    public static readonly IReadOnlyList<OpCase> All =
    [
        // Conv: stride, asymmetric pads, dilation, groups, depthwise, no bias, 1-d, auto_pad, rectangular kernels.
        new("Conv_3x3", b => [b.Conv(b.Input("x", 3, 6, 6), 4)]),
        new("Conv_stride2_asymmetric_pads", b => [b.Node("Conv", [b.Input("x", 3, 7, 6), b.Weight("w", [4, 3, 3, 3]), b.Weight("b", [4], 0.1)],
            A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.IntList("pads", 0, 1, 1, 0))]),
        new("Conv_dilation2", b => [b.Conv(b.Input("x", 3, 7, 7), 4, dilation: 2)]),
        new("Conv_group2", b => [b.Conv(b.Input("x", 4, 5, 5), 6, group: 2)]),
        new("Conv_depthwise_stride2", b => [b.Conv(b.Input("x", 4, 6, 6), 4, stride: 2, group: 4)]),
        new("Conv_1x1_no_bias", b => [b.Conv(b.Input("x", 3, 4, 4), 5, kernel: 1, bias: false)]),
        new("Conv_1d", b => [b.Node("Conv", [b.Input("x", 3, 9), b.Weight("w", [4, 3, 3]), b.Weight("b", [4], 0.1)],
            A.IntList("kernel_shape", 3), A.IntList("strides", 2), A.IntList("pads", 1, 1))]),
        new("Conv_same_upper", b => [b.Node("Conv", [b.Input("x", 3, 6, 6), b.Weight("w", [4, 3, 3, 3])],
            A.IntList("strides", 2, 2), A.Str("auto_pad", "SAME_UPPER"))]),
        new("Conv_same_lower", b => [b.Node("Conv", [b.Input("x", 3, 6, 6), b.Weight("w", [4, 3, 3, 3])],
            A.IntList("strides", 2, 2), A.Str("auto_pad", "SAME_LOWER"))]),
        new("Conv_rect_kernel", b => [b.Node("Conv", [b.Input("x", 2, 5, 6), b.Weight("w", [3, 2, 2, 3]), b.Weight("b", [3], 0.1)],
            A.IntList("strides", 1, 2), A.IntList("pads", 1, 0, 0, 2))]),

        // ConvTranspose: output_padding, groups, output_shape, dilation, auto_pad, 1-d.
        new("ConvTranspose_stride2_outpad", b => [b.Node("ConvTranspose", [b.Input("x", 4, 3, 3), b.Weight("w", [4, 3, 3, 3]), b.Weight("b", [3], 0.1)],
            A.IntList("strides", 2, 2), A.IntList("pads", 1, 1, 1, 1), A.IntList("output_padding", 1, 1))]),
        new("ConvTranspose_group2", b => [b.Node("ConvTranspose", [b.Input("x", 4, 3, 3), b.Weight("w", [4, 1, 2, 2])],
            A.IntList("strides", 2, 2), A.Int("group", 2))]),
        new("ConvTranspose_output_shape", b => [b.Node("ConvTranspose", [b.Input("x", 3, 3, 3), b.Weight("w", [3, 2, 3, 3]), b.Weight("b", [2], 0.1)],
            A.IntList("strides", 2, 2), A.IntList("output_shape", 6, 6))]),
        new("ConvTranspose_dilation", b => [b.Node("ConvTranspose", [b.Input("x", 3, 4, 4), b.Weight("w", [3, 2, 3, 3])],
            A.IntList("dilations", 2, 2), A.IntList("pads", 1, 1, 1, 1))]),
        new("ConvTranspose_same_upper", b => [b.Node("ConvTranspose", [b.Input("x", 2, 3, 3), b.Weight("w", [2, 2, 3, 3])],
            A.IntList("strides", 2, 2), A.Str("auto_pad", "SAME_UPPER"))]),
        new("ConvTranspose_1d", b => [b.Node("ConvTranspose", [b.Input("x", 3, 4), b.Weight("w", [3, 2, 3]), b.Weight("b", [2], 0.1)],
            A.IntList("strides", 2), A.IntList("pads", 0, 1))]),

        // Gemm: transA/transB, alpha/beta, C full, row, column, scalar, absent.
        new("Gemm_transB_bias", b => [b.Gemm(b.Input("x", 6), 4)]),
        new("Gemm_transA_two_inputs", b => [b.Node("Gemm", [b.Input("x", 6), b.Input("y", 4)], A.Int("transA", 1))]),
        new("Gemm_alpha_beta_full_C", b => [b.Node("Gemm", [b.Input("x", 5), b.Weight("w", [5, 3]), b.Weight("c", [2, 3], 0.5)],
            A.Float("alpha", 0.7f), A.Float("beta", 1.3f))]),
        new("Gemm_column_C", b => [b.Node("Gemm", [b.Input("x", 5), b.Weight("w", [3, 5]), b.Weight("c", [2, 1], 0.5)], A.Int("transB", 1))]),
        new("Gemm_scalar_C_transposed_both", b => [b.Node("Gemm", [b.Input("x", 5), b.Weight("w", [3, 2]), b.Weight("c", [1], 0.5)],
            A.Int("transA", 1), A.Int("transB", 1), A.Float("beta", 0.5f))]),
        new("Gemm_no_C", b => [b.Node("Gemm", [b.Input("x", 5), b.Weight("w", [3, 5])], A.Int("transB", 1))]),

        // MatMul: weight, batched, two inputs, broadcast batch dims, vectors.
        new("MatMul_weight", b => [b.Node("MatMul", [b.Input("x", 5), b.Weight("w", [5, 3])])]),
        new("MatMul_batched_weight", b => [b.Node("MatMul", [b.Input("x", 2, 3, 4), b.Weight("w", [4, 5])])]),
        new("MatMul_batched_inputs", b => [b.Node("MatMul", [b.Input("x", 3, 4), b.Input("y", 4, 2)])]),
        new("MatMul_broadcast_batch", b => [b.Node("MatMul", [b.Input("x", 1, 3, 4), b.Input("y", 4, 2)])]),
        new("MatMul_vector_right", b => [b.Node("MatMul", [b.Input("x", 3, 4), b.Weight("w", [4])])]),
        new("MatMul_vector_left", b => [b.Node("MatMul", [b.Weight("w", [4]), b.Input("x", 4, 3)])]),

        // Normalisation: BN in eval and training mode (ONNX Runtime's running variance is biased,
        // ours unbiased as PyTorch's: BatchNormTests checks it), on 4-d and 2-d inputs; InstanceNormalization.
        new("BatchNormalization_eval", b => [b.BatchNorm(b.Input("x", 3, 4, 4))]),
        new("BatchNormalization_eval_2d", b => [b.BatchNorm(b.Input("x", 5))]),
        new("BatchNormalization_train", b => BatchNormTraining(b, b.Input("x", 3, 4, 4)), Opset: 15, Training: true, Batch: 3, GradOutputs: 1, OrtOutputs: 2),
        new("BatchNormalization_train_2d", b => BatchNormTraining(b, b.Input("x", 5)), Opset: 15, Training: true, Batch: 4, GradOutputs: 1, OrtOutputs: 2),
        new("InstanceNormalization", b => [b.Node("InstanceNormalization", [b.Input("x", 3, 4, 4), b.Weight("s", [3], 1), b.Weight("bias", [3], 0.5)],
            A.Float("epsilon", 1e-4f))]),

        // Activations.
        new("Relu", b => [b.Relu(b.Input("x", 3, 4))]),
        new("LeakyRelu", b => [b.Node("LeakyRelu", [b.Input("x", 3, 4)], A.Float("alpha", 0.1f))]),
        new("Clip_inputs", b => [b.Node("Clip", [b.Input("x", 3, 4), Scalar(b, -0.5f), Scalar(b, 0.6f)])], Kinks: [-0.5f, 0.6f]),
        new("Clip_relu6", b => [b.Node("Clip", [b.Input("x", 3, 4), Scalar(b, 0), Scalar(b, 6)])], Low: -2, High: 8, Kinks: [0, 6]),
        new("Clip_min_only", b => [b.Node("Clip", [b.Input("x", 3, 4), Scalar(b, -0.2f)])], Kinks: [-0.2f]),
        new("Clip_attributes_opset6", b => [b.Node("Clip", [b.Input("x", 3, 4)], A.Float("min", -0.4f), A.Float("max", 0.3f))], Opset: 6, Kinks: [-0.4f, 0.3f]),
        new("PRelu", b => [b.Node("PRelu", [b.Input("x", 3, 2, 2), b.Weight("slope", [3, 1, 1], 0.5)])]),
        new("Sigmoid", b => [b.Sigmoid(b.Input("x", 3, 4))], Low: -4, High: 4),
        new("HardSigmoid", b => [b.Node("HardSigmoid", [b.Input("x", 3, 4)], A.Float("alpha", 0.3f), A.Float("beta", 0.4f))],
            Low: -3, High: 3, Kinks: [-4f / 3, 2]),
        new("HardSwish", b => [b.Node("HardSwish", [b.Input("x", 3, 4)])], Opset: 14, Low: -4, High: 4, Kinks: [-3, 3]),
        new("Tanh", b => [b.Node("Tanh", [b.Input("x", 3, 4)])], Low: -2, High: 2),
        new("Elu", b => [b.Node("Elu", [b.Input("x", 3, 4)], A.Float("alpha", 0.8f))]),
        new("Softplus", b => [b.Node("Softplus", [b.Input("x", 3, 4)])], Low: -3, High: 3),
        new("Exp", b => [b.Node("Exp", [b.Input("x", 3, 4)])]),
        new("Neg", b => [b.Node("Neg", [b.Input("x", 3, 4)])]),
        new("Abs", b => [b.Node("Abs", [b.Input("x", 3, 4)])]),
        new("Sqrt", b => [b.Node("Sqrt", [b.Input("x", 3, 4)])], Low: 0.5f, High: 2),

        // Softmax by opset: one axis (13) or rows of the flattened input (11).
        new("Softmax_last_axis", b => [b.Node("Softmax", [b.Input("x", 3, 5)])], Low: -2, High: 2),
        new("Softmax_axis1_4d", b => [b.Node("Softmax", [b.Input("x", 3, 2, 2)], A.Int("axis", 1))], Low: -2, High: 2),
        new("Softmax_opset11_flattens", b => [b.Node("Softmax", [b.Input("x", 3, 2, 2)], A.Int("axis", 1))], Opset: 11, Low: -2, High: 2),
        new("LogSoftmax", b => [b.Node("LogSoftmax", [b.Input("x", 3, 5)])], Low: -2, High: 2),

        // Broadcasting binary ops; constant operands are not trained.
        new("Add_same_shape", b => [b.Add(b.Input("x", 3, 4), b.Input("y", 3, 4))]),
        new("Add_constant_channels", b => [b.Add(b.Input("x", 3, 2, 2), b.Const("c", [3, 1, 1], [0.5f, -1, 2]))]),
        new("Sub_broadcast_both", b => [b.Node("Sub", [b.Input("x", 3, 1, 4), b.Input("y", 1, 4, 1)])]),
        new("Mul_squeeze_excitation", b => [b.Mul(b.Input("x", 3, 2, 2), b.Input("s", 3, 1, 1))]),
        new("Div_broadcast", b => [b.Node("Div", [b.Input("x", 2, 4), b.Input("y", 1, 4)])], Low: 0.5f, High: 2),
        new("Max_two_inputs", b => [b.Node("Max", [b.Input("x", 3, 4), b.Input("y", 3, 4)])], Values: Values.Distinct),
        new("Min_broadcast", b => [b.Node("Min", [b.Input("x", 3, 4), b.Input("y", 1, 4)])], Values: Values.Distinct),
        new("Mul_scalar_constant", b => [b.Mul(b.Input("x", 3, 4), b.Const("c", [], [1.5f]))]),

        // Layout ops.
        new("Concat_channels", b => [b.Concat(1, b.Input("x", 2, 3), b.Input("y", 1, 3), b.Input("z", 3, 3))]),
        new("Concat_last_axis", b => [b.Concat(-1, b.Input("x", 2, 3), b.Input("y", 2, 1))]),
        new("Split_sizes_input", b => b.Split(b.Input("x", 4, 2), 1, 1, 3)),
        new("Split_attribute_opset11", b => b.NodeMulti("Split", [b.Input("x", 5, 2)], 2, A.Int("axis", 1), A.IntList("split", 2, 3)), Opset: 11),
        new("Split_equal", b => b.NodeMulti("Split", [b.Input("x", 2, 6)], 3, A.Int("axis", 2))),
        new("Slice_steps_negative", b => [b.Node("Slice", [b.Input("x", 4, 6), b.ConstInts("s", 3, 1), b.ConstInts("e", 0, 100), b.ConstInts("a", 1, -1), b.ConstInts("st", -1, 2)])]),
        new("Slice_attributes_opset9", b => [b.Node("Slice", [b.Input("x", 4, 6)], A.IntList("starts", 1, -4), A.IntList("ends", 3, -1), A.IntList("axes", 1, 2))], Opset: 9),
        new("Flatten_axis2", b => [b.Node("Flatten", [b.Input("x", 2, 3, 2)], A.Int("axis", 2))]),
        new("Reshape_zero_and_minus_one", b => [b.Reshape(b.Input("x", 2, 3, 2), 0, -1, 2)]),
        new("Transpose_nhwc", b => [b.Transpose(b.Input("x", 2, 3, 4), 0, 2, 3, 1)]),
        new("Squeeze_axes_input", b => [b.Node("Squeeze", [b.Input("x", 3, 1, 4), b.ConstInts("a", 2)])]),
        new("Unsqueeze_axes_input", b => [b.Node("Unsqueeze", [b.Input("x", 3, 4), b.ConstInts("a", 1, -1)])]),
        new("Squeeze_attribute_opset11", b => [b.Node("Squeeze", [b.Input("x", 3, 1, 4)], A.IntList("axes", 2))], Opset: 11),
        new("Identity", b => [b.Node("Identity", [b.Input("x", 3, 4)])]),
        new("Cast_float", b => [b.Node("Cast", [b.Input("x", 3, 4)], A.Int("to", 1))]),

        // Pooling.
        new("MaxPool_3x3_stride2_pad1", b => [b.Node("MaxPool", [b.Input("x", 2, 6, 6)], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.IntList("pads", 1, 1, 1, 1))], Values: Values.Distinct),
        new("MaxPool_ceil_mode", b => [b.Node("MaxPool", [b.Input("x", 2, 6, 6)], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.Int("ceil_mode", 1))], Values: Values.Distinct),
        new("MaxPool_dilation", b => [b.Node("MaxPool", [b.Input("x", 2, 6, 6)], A.IntList("kernel_shape", 2, 2), A.IntList("dilations", 2, 2))], Values: Values.Distinct),
        new("MaxPool_1d", b => [b.Node("MaxPool", [b.Input("x", 2, 7)], A.IntList("kernel_shape", 3), A.IntList("strides", 2))], Values: Values.Distinct),
        new("AveragePool_pad_excluded", b => [b.Node("AveragePool", [b.Input("x", 2, 5, 5)], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.IntList("pads", 1, 1, 1, 1))]),
        new("AveragePool_pad_included", b => [b.Node("AveragePool", [b.Input("x", 2, 5, 5)], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.IntList("pads", 1, 1, 1, 1), A.Int("count_include_pad", 1))]),
        new("AveragePool_ceil_mode", b => [b.Node("AveragePool", [b.Input("x", 2, 6, 6)], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2), A.Int("ceil_mode", 1))]),
        new("GlobalAveragePool", b => [b.GlobalAveragePool(b.Input("x", 3, 3, 4))]),
        new("GlobalMaxPool", b => [b.Node("GlobalMaxPool", [b.Input("x", 3, 3, 4)])], Values: Values.Distinct),

        // Pad, constant mode: inputs (opset 13), negative pads (crop), attributes (opset 2).
        new("Pad_constant_value", b => [b.Node("Pad", [b.Input("x", 2, 3, 3), b.ConstInts("p", 0, 0, 1, 2, 0, 0, 2, 1), b.Const("v", [], [0.5f])])]),
        new("Pad_negative_crops", b => [b.Node("Pad", [b.Input("x", 2, 4, 4), b.ConstInts("p", 0, 0, -1, 1, 0, 0, 1, -2)])]),
        new("Pad_attributes_opset2", b => [b.Node("Pad", [b.Input("x", 2, 3, 3)], A.IntList("pads", 0, 0, 1, 0, 0, 0, 0, 1), A.Float("value", -1))], Opset: 2),

        // Resize by whole factors, nearest, in the coordinate modes exporters use.
        new("Resize_scales_half_pixel", b => [b.Node("Resize", [b.Input("x", 2, 3, 2), b.Const("roi", [0], []), b.Const("sc", [4], [1, 1, 2, 3])])]),
        new("Resize_sizes_asymmetric_floor", b => [b.Node("Resize", [b.Input("x", 2, 2, 3), b.Const("roi", [0], []), b.Const("sc", [0], []), b.ConstInts("sz", 2, 2, 4, 6)],
            A.Str("coordinate_transformation_mode", "asymmetric"), A.Str("nearest_mode", "floor"))]),
        new("Resize_opset10", b => [b.Node("Resize", [b.Input("x", 2, 2, 2), b.Const("sc", [4], [1, 1, 2, 2])])], Opset: 10),
        new("Upsample_opset9", b => [b.Node("Upsample", [b.Input("x", 2, 2, 2), b.Const("sc", [4], [1, 1, 3, 2])])], Opset: 9),

        // Dropout: a copy in eval mode, a seeded mask in training mode.
        new("Dropout_eval", b => [b.Node("Dropout", [b.Input("x", 3, 4), b.Const("r", [], [0.3f])])]),
        new("Dropout_train", b => [b.Node("Dropout", [b.Input("x", 3, 4), b.Const("r", [], [0.3f])])], Training: true, Ort: false),

        // LRN with odd and even window sizes.
        new("LRN_size3", b => [b.Node("LRN", [b.Input("x", 5, 2, 2)], A.Int("size", 3), A.Float("alpha", 0.5f), A.Float("beta", 0.75f), A.Float("bias", 2))]),
        // ONNX Runtime accepts only odd sizes; the even window follows the spec's floor/ceil split.
        new("LRN_size4", b => [b.Node("LRN", [b.Input("x", 5, 2, 2)], A.Int("size", 4), A.Float("alpha", 0.4f), A.Float("beta", 0.6f), A.Float("bias", 1.5f))], Ort: false),

        // Reductions.
        new("ReduceMean_spatial_keepdims", b => [b.Node("ReduceMean", [b.Input("x", 3, 2, 3)], A.IntList("axes", 2, 3))]),
        new("ReduceMean_no_keepdims", b => [b.Node("ReduceMean", [b.Input("x", 3, 2, 3)], A.IntList("axes", 1), A.Int("keepdims", 0))]),
        new("ReduceSum_axes_input", b => [b.Node("ReduceSum", [b.Input("x", 3, 4), b.ConstInts("a", -1)], A.Int("keepdims", 0))]),
        new("ReduceSum_all_axes", b => [b.Node("ReduceSum", [b.Input("x", 3, 4)])]),
    ];

    public static OpCase Find(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string, string> ByBackend()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All.Keys)
            foreach (var c in All)
                data.Add(backend, c.Name);
        return data;
    }

    private static string Scalar(ModelBuilder b, float v) => b.Const("s", [], [v]);

    /// <summary>BN with training_mode=1 (opset 15), whose outputs are y and the updated running statistics.</summary>
    private static string[] BatchNormTraining(ModelBuilder b, string x)
    {
        var y = b.BatchNorm(x);
        var node = b.Graph.Nodes[^1];
        node.SetAttr(A.Int("training_mode", 1));
        node.SetAttr(A.Float("momentum", 0.8f));
        node.Outputs.AddRange([y + "_mean", y + "_var"]);
        return [.. node.Outputs];
    }
}
