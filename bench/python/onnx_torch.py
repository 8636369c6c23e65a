"""PyTorch twin of an ONNX CNN, for benchmarks and recipes run side by side with sppc.

Walks the ONNX graph (Conv, BatchNormalization, Relu, Clip, MaxPool, AveragePool, Add,
GlobalAveragePool, Flatten, Gemm, Identity, Constant: what the reference models use) and builds
real nn.Modules (nn.Conv2d, nn.BatchNorm2d, nn.Linear) loaded with the ONNX initializers, so that
`.to(memory_format=torch.channels_last)` takes PyTorch's fastest CPU path (oneDNN) and the optimizer
sees ordinary parameters. Float32, as a PyTorch user would train.

Also reads IDX files (gzip or not) with the reference models' preprocessing.
"""
import gzip
import pathlib

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _symmetric(pads):
    assert pads[0] == pads[2] and pads[1] == pads[3], "symmetric pads only"
    return (pads[0], pads[1])


class OnnxModule(torch.nn.Module):
    """The ONNX graph as a module: one submodule per Conv/BN/Gemm node, the rest functional."""

    def __init__(self, path):
        super().__init__()
        graph = onnx.load(str(path)).graph
        self.input_name = graph.input[0].name
        self.output_name = graph.output[0].name
        values = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer}
        self.steps = []  # (op, module key or None, input names, output name, attributes, constants)
        self.layers = torch.nn.ModuleDict()
        for index, node in enumerate(graph.node):
            a = _attrs(node)
            if node.op_type == "Identity" and node.input[0] in values:
                values[node.output[0]] = values[node.input[0]]
                continue
            if node.op_type == "Constant":
                values[node.output[0]] = numpy_helper.to_array(a["value"]).astype(np.float32)
                continue
            key = f"n{index}"
            if node.op_type == "Conv":
                w = values[node.input[1]]
                bias = len(node.input) > 2 and node.input[2] != ""
                m = torch.nn.Conv2d(w.shape[1] * a.get("group", 1), w.shape[0], tuple(w.shape[2:]),
                                    stride=tuple(a.get("strides", [1, 1])), padding=_symmetric(a.get("pads", [0, 0, 0, 0])),
                                    dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1), bias=bias)
                m.weight.data = torch.tensor(w)
                if bias:
                    m.bias.data = torch.tensor(values[node.input[2]])
                self.layers[key] = m
            elif node.op_type == "BatchNormalization":
                scale = values[node.input[1]]
                m = torch.nn.BatchNorm2d(scale.shape[0], eps=a.get("epsilon", 1e-5), momentum=1 - a.get("momentum", 0.9))
                m.weight.data = torch.tensor(scale)
                m.bias.data = torch.tensor(values[node.input[2]])
                m.running_mean.data = torch.tensor(values[node.input[3]])
                m.running_var.data = torch.tensor(values[node.input[4]])
                self.layers[key] = m
            elif node.op_type == "Gemm":
                assert a.get("transB", 0) == 1 and a.get("transA", 0) == 0 and a.get("alpha", 1.0) == 1.0, "Gemm as Linear only"
                w = values[node.input[1]]
                m = torch.nn.Linear(w.shape[1], w.shape[0])
                m.weight.data = torch.tensor(w)
                m.bias.data = torch.tensor(values[node.input[2]] * a.get("beta", 1.0))
                self.layers[key] = m
            else:
                key = None
            constants = {n: float(values[n]) for n in node.input[1:] if n in values and values[n].size == 1}
            self.steps.append((node.op_type, key, list(node.input), node.output[0], a, constants))

    def forward(self, x):
        env = {self.input_name: x}
        for op, key, inputs, output, a, constants in self.steps:
            first = env[inputs[0]]
            if key is not None:
                y = self.layers[key](first)
            elif op == "Relu":
                y = F.relu(first)
            elif op == "Clip":
                lo = constants.get(inputs[1]) if len(inputs) > 1 and inputs[1] else None
                hi = constants.get(inputs[2]) if len(inputs) > 2 and inputs[2] else None
                y = F.relu6(first) if (lo, hi) == (0.0, 6.0) else torch.clamp(first, lo, hi)
            elif op == "MaxPool":
                y = F.max_pool2d(first, a["kernel_shape"], a.get("strides", 1), _symmetric(a.get("pads", [0, 0, 0, 0])),
                                 ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "AveragePool":
                y = F.avg_pool2d(first, a["kernel_shape"], a.get("strides", 1), _symmetric(a.get("pads", [0, 0, 0, 0])),
                                 ceil_mode=bool(a.get("ceil_mode", 0)), count_include_pad=bool(a.get("count_include_pad", 0)))
            elif op == "Add":
                y = first + env[inputs[1]]
            elif op == "GlobalAveragePool":
                y = F.adaptive_avg_pool2d(first, 1)
            elif op == "Flatten":
                y = torch.flatten(first, a.get("axis", 1))
            elif op == "Identity":
                y = first
            else:
                raise NotImplementedError(op)
            env[output] = y
        return env[self.output_name]


def read_idx(images_path, mean, std):
    """Images [N,1,H,W] float32 normalised as (pixel/255 - mean)/std, and their labels (file beside it)."""
    images_path = pathlib.Path(images_path)
    labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))

    def raw(p):
        data = p.read_bytes()
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

    img = raw(images_path)
    n, h, w = (int.from_bytes(img[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    x = np.frombuffer(img, np.uint8, n * h * w, 16).reshape(n, 1, h, w).astype(np.float32)
    labels = np.frombuffer(raw(labels_path), np.uint8, n, 8).astype(np.int64)
    return torch.tensor((x / 255 - mean) / std), torch.tensor(labels)


def augment(x, generator, pad, background):
    """Random crop after padding by `pad` with the background value, and horizontal flip, per image."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), value=background)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :])[:, None, :, None].expand(n, x.shape[1], h, w + 2 * pad)
    out = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w)[None, :])[:, None, None, :].expand(n, x.shape[1], h, w)
    out = out.gather(3, cols)
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(3)
    return out
