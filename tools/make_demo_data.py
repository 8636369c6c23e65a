#!/usr/bin/python3
"""Makes models/data: a deterministic, stratified subset of Fashion-MNIST as IDX gzip files.

Usage: /usr/bin/python3 tools/make_demo_data.py SOURCE_DIR [OUT_DIR]
  SOURCE_DIR holds the four original files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
  t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); OUT_DIR defaults to models/data.

Each class keeps the same number of images (600 per class from the training set, 200 per class from
the test set), drawn with a fixed seed and written in their original order. The gzip headers carry no
time stamp or name, so the same input always gives byte-identical files.
"""
import gzip
import os
import struct
import sys

import numpy as np

SEED = 20240607
PER_CLASS = {"train": 600, "t10k": 200}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "i" * rank, data[4:4 + 4 * rank])
    return magic, np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def write_idx(path, magic, array):
    header = struct.pack(">i", magic) + struct.pack(">" + "i" * array.ndim, *array.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(header + array.tobytes())


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "data")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for split, per_class in PER_CLASS.items():
        img_magic, images = read_idx(os.path.join(src, f"{split}-images-idx3-ubyte.gz"))
        lab_magic, labels = read_idx(os.path.join(src, f"{split}-labels-idx1-ubyte.gz"))
        assert img_magic == 0x803 and lab_magic == 0x801 and len(images) == len(labels)
        keep = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(labels == c), size=per_class, replace=False)
            for c in range(10)]))
        write_idx(os.path.join(out, f"{split}-images-idx3-ubyte.gz"), img_magic, images[keep])
        write_idx(os.path.join(out, f"{split}-labels-idx1-ubyte.gz"), lab_magic, labels[keep])
        print(f"{split}: {len(keep)} of {len(labels)} images, {per_class} per class")


if __name__ == "__main__":
    main()
