#!/usr/bin/python3
"""Export torchvision ResNet-50 (random weights, seed 0) to ONNX for load/size benchmarks.

    /usr/bin/python3 bench/python/make_resnet50.py OUT.onnx

1000 classes, input `input` [N,3,224,224] float32 with a dynamic batch axis, output `logits`,
opset 13, eval mode with constant folding (BN folded into Conv). About 100 MB: do not commit
the output, only this script.
"""

import argparse
import sys

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    args = ap.parse_args()
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None, num_classes=1000).eval()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, 224, 224),
        args.out,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        opset_version=13,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
    )
    print(args.out)


if __name__ == "__main__":
    sys.exit(main())
