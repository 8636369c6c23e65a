#!/usr/bin/python3
"""PyTorch's side of sppc's training comparisons, on a model read from ONNX (see onnx_torch.py).

    /usr/bin/python3 bench/python/torch_train.py throughput MODEL.bn.onnx --data TRAIN-images-idx3-ubyte.gz
        [--steps 40] [--warmup 5] [--batch 128] [--threads N] [--no-channels-last] [--profile]
    /usr/bin/python3 bench/python/torch_train.py finetune MODEL.bn.onnx --data TRAIN --val TEST [--epochs 1] [--lr 0.01]
        [--seed 0] [-o OUT.onnx]

throughput: SGD training steps (forward + backward + update, BN in training mode, random crop 2 +
flip augmentation, batches drawn from the data in memory, or with --pipeline torchvision through the
usual per-sample torchvision transforms and a DataLoader), `--warmup` untimed, then `--steps` timed;
prints JSON {"images_per_second", "peak_rss_mb", "threads", "channels_last"}. PyTorch's fastest CPU
configuration here is channels_last (oneDNN) with threads = cores, the default.

finetune: the reference models' recipe (SGD momentum 0.9, weight decay 5e-4, per-iteration cosine
decay of --lr to 0, batch 128, random crop 2 + flip) for --epochs from the trained model, then the
test accuracy in eval mode; prints JSON {"accuracy", "seconds"} and, with -o, exports the model.
Preprocessing: (pixel/255 - 0.2860)/0.3530, the reference models' (--mean --std to change).
"""
import argparse
import json
import math
import os
import resource
import time

import torch
import torch.nn.functional as F

from onnx_torch import OnnxModule, augment, read_idx


def setup(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    model = OnnxModule(args.model)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    x, y = read_idx(args.data, args.mean, args.std)
    return model, fmt, x, y


def batches(x, y, batch, generator, args, fmt):
    """One epoch of shuffled, augmented full batches."""
    order = torch.randperm(len(x), generator=generator)
    background = (0 - args.mean) / args.std
    for i in range(len(x) // batch):
        idx = order[i * batch:(i + 1) * batch]
        yield augment(x[idx], generator, 2, background).contiguous(memory_format=fmt), y[idx]


def torchvision_batches(x, y, batch, args, workers):
    """The usual PyTorch recipe end to end: a Dataset of PIL images with torchvision's per-sample
    RandomCrop(28, padding=2) + RandomHorizontalFlip + ToTensor + Normalize, through a DataLoader."""
    from PIL import Image
    import torchvision.transforms as T

    pixels = ((x[:, 0] * args.std + args.mean) * 255).round().clamp(0, 255).to(torch.uint8).numpy()
    transform = T.Compose([T.RandomCrop(pixels.shape[1], padding=2), T.RandomHorizontalFlip(), T.ToTensor(),
                           T.Normalize((args.mean,), (args.std,))])

    class Images(torch.utils.data.Dataset):
        def __len__(self):
            return len(pixels)

        def __getitem__(self, i):
            return transform(Image.fromarray(pixels[i], mode="L")), y[i]

    return torch.utils.data.DataLoader(Images(), batch_size=batch, shuffle=True, drop_last=True, num_workers=workers,
                                       persistent_workers=workers > 0)


def optimizer(model, lr):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)


def throughput(args):
    model, fmt, x, y = setup(args)
    model.train()
    opt = optimizer(model, 0.01)
    generator = torch.Generator().manual_seed(args.seed)
    loader = torchvision_batches(x, y, args.batch, args, args.workers) if args.pipeline == "torchvision" else None
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) if args.profile else None
    done, start = 0, None
    while done < args.warmup + args.steps:
        epoch = loader if loader is not None else batches(x, y, args.batch, generator, args, fmt)
        for xb, yb in epoch:
            xb = xb.contiguous(memory_format=fmt)
            if done == args.warmup:
                start = time.perf_counter()
            if profiler is not None and done == args.warmup:
                profiler.__enter__()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            done += 1
            if done == args.warmup + args.steps:
                break
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.__exit__(None, None, None)
        # Per op, self time per step: the same view as sppc's `bench -- train-step --profile`.
        print(profiler.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=30))
    print(json.dumps({
        "images_per_second": args.steps * args.batch / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
        "channels_last": args.channels_last,
        "pipeline": args.pipeline if args.pipeline == "tensor" else f"torchvision, {args.workers} workers",
    }))


def evaluate(model, x, y, fmt, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch].contiguous(memory_format=fmt)).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def finetune(args):
    model, fmt, x, y = setup(args)
    vx, vy = read_idx(args.val, args.mean, args.std)
    before = evaluate(model, vx, vy, fmt)
    opt = optimizer(model, args.lr)
    steps = args.epochs * (len(x) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1 + math.cos(math.pi * i / steps)))
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for xb, yb in batches(x, y, args.batch, generator, args, fmt):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            sched.step()
    seconds = time.perf_counter() - start
    after = evaluate(model, vx, vy, fmt)
    if args.output:
        torch.onnx.export(model.to(memory_format=torch.contiguous_format), x[:1], args.output, opset_version=13,
                          input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
    print(json.dumps({"accuracy_before": before, "accuracy": after, "seconds": seconds, "steps": steps}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["throughput", "finetune"])
    ap.add_argument("model")
    ap.add_argument("--data", required=True)
    ap.add_argument("--val")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--mean", type=float, default=0.2860)
    ap.add_argument("--std", type=float, default=0.3530)
    ap.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    ap.add_argument("--pipeline", choices=["tensor", "torchvision"], default="tensor",
                    help="tensor: batches cropped and flipped as whole tensors in memory (the fastest feed); "
                         "torchvision: the usual per-sample transforms through a DataLoader")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers with --pipeline torchvision")
    ap.add_argument("--profile", action="store_true",
                    help="throughput: also print the timed steps' per-op self times (torch.profiler)")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    if args.mode == "finetune" and not args.val:
        ap.error("finetune needs --val")
    (throughput if args.mode == "throughput" else finetune)(args)


if __name__ == "__main__":
    main()
