#!/usr/bin/python3
"""Torch-Pruning's L1 magnitude pruner, re-done on an ONNX model, for seed spreads of the reference.

    /usr/bin/python3 bench/python/tp_l1_prune.py MODEL.bn.onnx --speedup 2 -o PRUNED.bn.onnx
    /usr/bin/python3 bench/python/torch_train.py finetune PRUNED.bn.onnx --data TRAIN --val TEST --epochs 3 --lr 0.01 --seed K

models/README.md gives one Torch-Pruning run per row (seed 0): Torch-Pruning 1.5.3, MagnitudePruner with
group L1 importance, local (per-layer) ratios, the final Linear kept, progressive steps until Conv+Gemm
MACs fall by the target factor, then 3 epochs of fine-tuning at lr 0.01. Torch-Pruning is not installable
here (no PyPI), so this script redoes its cut: the same channel groups (DepGraph's coupling: an Add ties
its inputs' channels, a depthwise conv passes its input's channels through), the same importance
(GroupNormImportance with p=1: per channel, the mean over the group's layers of the L1 norm of its slice:
producing convs' filters, BN scales, consuming convs' and the Linear's input slices, depthwise filters),
the same local ratio (every group keeps int(C * (1 - r)) channels) and the same progression (r rises by
0.01 a step, each group ranked again on the partly pruned weights, until the MACs fall by the target).
The resulting MACs and parameters equal the README's for resnet20 (2x and 4x) and mbv2s 2x; the accuracy
right after the cut does not (resnet20 2x: 11.5% here, 24.5% there), so the channels kept may differ in a
few places. Fine-tuning is torch_train.py's finetune, the reference models' recipe (bench/tp_reference.sh).
Prints JSON {"ratio", "macs", "params", "speedup", "widths"} (params: convs, BN scales and shifts, Linear).
"""
import argparse
import json

import numpy as np
import onnx
from onnx import numpy_helper

PASS_THROUGH = {"BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Identity"}


class Groups:
    """Union-find over tensors whose channel axes must be pruned together."""

    def __init__(self):
        self.parent = {}

    def find(self, t):
        self.parent.setdefault(t, t)
        while self.parent[t] != t:
            self.parent[t] = self.parent[self.parent[t]]
            t = self.parent[t]
        return t

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def inline_aliases(model):
    """Exporters share equal initializers through Identity nodes; give every use its own copy so that
    slicing one layer's parameter never slices another's."""
    g = model.graph
    init = {t.name: t for t in g.initializer}
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in init}
    for n in [n for n in g.node if n.op_type == "Identity" and n.output[0] in alias]:
        g.node.remove(n)
    for n in g.node:
        for i, name in enumerate(n.input):
            if name in alias:
                copy = numpy_helper.from_array(numpy_helper.to_array(init[alias[name]]), f"{n.name or n.output[0]}.{i}")
                g.initializer.append(copy)
                n.input[i] = copy.name


def analyse(model):
    g = model.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    groups = Groups()
    # Keyed by the tensor they write (consumers: by the tensor they read).
    producers, consumers, depthwise, bns, gemms = {}, {}, {}, {}, []
    for node in g.node:
        if node.op_type == "Constant":
            continue
        x = node.input[0]
        y = node.output[0]
        if node.op_type == "Conv":
            w = init[node.input[1]]
            grp = attrs(node).get("group", 1)
            if grp == 1:
                consumers.setdefault(x, []).append(node)
                producers[y] = node
                groups.find(y)
            elif grp == w.shape[0] and w.shape[1] == 1:
                depthwise[y] = node
                groups.union(y, x)
            else:
                raise NotImplementedError(f"grouped conv {node.name}")
        elif node.op_type in PASS_THROUGH:
            groups.union(y, x)
            if node.op_type == "BatchNormalization":
                bns[y] = node
        elif node.op_type == "Add":
            groups.union(node.input[0], y)
            groups.union(node.input[1], y)
        elif node.op_type == "Gemm":
            consumers.setdefault(x, []).append(node)
            gemms.append(node)
        else:
            raise NotImplementedError(node.op_type)
    return init, groups, producers, consumers, depthwise, bns, gemms


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--speedup", type=float, required=True)
    ap.add_argument("--steps", type=int, default=100, help="progressive steps to a ratio of 1 (0.01 each)")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()

    model = onnx.load(args.model)
    inline_aliases(model)
    init, groups, producers, consumers, depthwise, bns, gemms = analyse(model)
    final = gemms[-1].output[0]

    # Groups in graph order (Torch-Pruning visits them in module order), each with its channel count.
    members = {}
    for t in list(groups.parent):
        members.setdefault(groups.find(t), []).append(t)
    order = []
    for node in model.graph.node:
        r = groups.find(node.output[0])
        if node.op_type == "Conv" and node.output[0] in producers and r not in order:
            order.append(r)
    prunable = [r for r in order if r != groups.find(final)]

    def filter_l1(conv):
        """Per output channel of a conv (a producing or a depthwise one), the L1 norm of its filter."""
        w = init[conv.input[1]]
        return np.abs(w).reshape(w.shape[0], -1).sum(1)

    def importance(root):
        """The sum over the group's layers of each channel's L1 norm, on the current (partly pruned) weights."""
        imp = 0
        for t in members[root]:
            if t in producers:
                imp = imp + filter_l1(producers[t])
            for c in consumers.get(t, []):
                w = init[c.input[1]]
                imp = imp + (np.abs(w).sum(0) if c.op_type == "Gemm" else np.abs(w).transpose(1, 0, 2, 3).reshape(w.shape[1], -1).sum(1))
            if t in depthwise:
                imp = imp + filter_l1(depthwise[t])
            if t in bns:
                imp = imp + np.abs(init[bns[t].input[1]])
        return np.asarray(imp, dtype=np.float64)

    def keep_filters(conv, keep):
        """Keeps the given output channels of a conv: its filters and its bias."""
        for name in conv.input[1:3]:
            if name:
                init[name] = init[name][keep]

    def keep_only(root, keep):
        """Slices every parameter that carries the group's channels to the kept ones."""
        for t in members[root]:
            if t in producers:
                keep_filters(producers[t], keep)
            for c in consumers.get(t, []):
                init[c.input[1]] = init[c.input[1]][:, keep]
            if t in depthwise:
                keep_filters(depthwise[t], keep)
            if t in bns:
                for name in bns[t].input[1:5]:
                    init[name] = init[name][keep]

    def cost():
        """Conv+Gemm MACs per image and parameter count (convs, BN scales and shifts, Linear), current shapes."""
        macs = params = 0
        hw = {model.graph.input[0].name: (28, 28)}
        for node in model.graph.node:
            if node.op_type == "Constant":
                continue
            x, y = node.input[0], node.output[0]
            h, w_ = hw.get(x, (1, 1))
            if node.op_type == "Conv":
                w = init[node.input[1]]
                a = attrs(node)
                s, p = a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
                hw[y] = ((h + p[0] + p[2] - w.shape[2]) // s[0] + 1, (w_ + p[1] + p[3] - w.shape[3]) // s[1] + 1)
                macs += w.size * hw[y][0] * hw[y][1]
                params += w.size + (w.shape[0] if len(node.input) > 2 and node.input[2] else 0)
            elif node.op_type == "Gemm":
                w = init[node.input[1]]
                macs += w.size
                params += w.size + w.shape[0]
                hw[y] = (1, 1)
            elif node.op_type in ("MaxPool", "AveragePool"):
                a = attrs(node)
                k, s, p = a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
                hw[y] = ((h + p[0] + p[2] - k[0]) // s[0] + 1, (w_ + p[1] + p[3] - k[1]) // s[1] + 1)
            elif node.op_type in ("GlobalAveragePool", "Flatten"):
                hw[y] = (1, 1)
            else:
                if node.op_type == "BatchNormalization":
                    params += 2 * len(init[node.input[1]])
                hw[y] = (h, w_)
        return macs, params

    # Progressive: the ratio rises a step at a time; at each step every group, in order, is ranked on
    # the weights as they are now and cut to int(C0 * (1 - ratio)) channels, until the MACs fall enough.
    def width(root):
        """The group's current channel count: its producing convs' filter count."""
        return next(init[producers[t].input[1]].shape[0] for t in members[root] if t in producers)

    channels = {r: width(r) for r in prunable}
    base, _ = cost()
    for step in range(1, args.steps + 1):
        ratio = step / args.steps
        for r in prunable:
            target = max(1, int(channels[r] * (1 - ratio)))
            if target < width(r):
                keep_only(r, np.sort(np.argsort(-importance(r), kind="stable")[:target]))
        macs, params = cost()
        if base / macs >= args.speedup:
            break
    widths = [width(r) for r in prunable]
    print(json.dumps({"ratio": ratio, "macs": macs, "params": params, "speedup": base / macs, "widths": widths}))
    if not args.output:
        return

    index = {t.name: i for i, t in enumerate(model.graph.initializer)}
    for name, array in init.items():
        model.graph.initializer[index[name]].CopyFrom(numpy_helper.from_array(array.astype(np.float32), name))
    for d in depthwise.values():
        d.attribute.remove(next(a for a in d.attribute if a.name == "group"))
        d.attribute.append(onnx.helper.make_attribute("group", init[d.input[1]].shape[0]))
    del model.graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, args.output)


if __name__ == "__main__":
    main()
