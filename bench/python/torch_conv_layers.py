#!/usr/bin/python3
"""oneDNN's side of `bench -- gemm`'s conv rows: PyTorch 1.13 (channels_last, 2 threads) 3x3 convolutions
of resnet20's and vgg11s's shapes at batch 128, forward and backward (grad input + grad weight) times, best
of 10, and GFLOP/s against the FMA-chain peak given as the first argument (default 234).

    /usr/bin/python3 bench/python/torch_conv_layers.py [PEAK_GFLOPS]
"""
import sys
import time

import torch

PEAK = float(sys.argv[1]) if len(sys.argv) > 1 else 234.0
torch.set_num_threads(2)
cl = torch.channels_last
def bench(cin, cout, hw, stride):
    x = torch.randn(128, cin, hw, hw).contiguous(memory_format=cl).requires_grad_(True)
    conv = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False).to(memory_format=cl)
    y = conv(x); g = torch.randn_like(y)
    macs = y.numel() * cin * 9
    def fwd(): return conv(x)
    def bwd():
        y = conv(x); y.backward(g)
    for _ in range(3): bwd()
    ts = []
    for _ in range(10):
        t = time.perf_counter(); fwd(); ts.append(time.perf_counter() - t)
    tf = min(ts)
    ts = []
    for _ in range(10):
        t = time.perf_counter(); bwd(); ts.append(time.perf_counter() - t)
    tb = min(ts) - tf
    print(f"{cin}->{cout} {hw}x{hw} s{stride}: fwd {tf*1e3:.2f} ms {2*macs/tf/1e9:.0f} GF/s ({2*macs/tf/1e9/PEAK*100:.0f}%), bwd {tb*1e3:.2f} ms {4*macs/tb/1e9:.0f} GF/s ({4*macs/tb/1e9/PEAK*100:.0f}%)")
for a in [(16,16,28,1),(16,32,28,2),(32,32,14,1),(32,64,14,2),(64,64,7,1),(32,32,28,1),(64,64,14,1),(128,128,7,1)]: bench(*a)
