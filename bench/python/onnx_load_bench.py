#!/usr/bin/python3
"""Time onnx.load and strict shape inference of one model, in one process.

    /usr/bin/python3 bench/python/onnx_load_bench.py MODEL.onnx [--repeat N]

One warm-up run, then N timed runs (default 5) of each step; prints the medians as JSON:
{"load_s": ..., "infer_s": ..., "total_s": ...}   (total_s = median of load+infer per run)
A Python baseline for sppc's own load/shape-inference timings.
"""

import argparse
import json
import statistics
import sys
import time

import onnx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")

    def once():
        t0 = time.perf_counter()
        model = onnx.load(args.model)
        t1 = time.perf_counter()
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    once()  # warm-up
    runs = [once() for _ in range(args.repeat)]
    load = statistics.median(r[0] for r in runs)
    infer = statistics.median(r[1] for r in runs)
    total = statistics.median(r[0] + r[1] for r in runs)
    print(json.dumps({"load_s": round(load, 6), "infer_s": round(infer, 6), "total_s": round(total, 6)}))


if __name__ == "__main__":
    sys.exit(main())
