#!/usr/bin/env python3
"""Write a held-out split of an IDX image set: the first N training images become the training
split and the remaining ones the test split, so that choices can be measured without the test set.

    python3 scripts/heldout_split.py ../shared/data/mnist /tmp/mnist-heldout --train 50000

The output folder holds train-/t10k-images-idx3-ubyte.gz (and labels when the source has them),
which `rda train --data FOLDER` reads as any IDX folder. `read_idx` and `write_idx` handle IDX
files of any rank as bytes, without numpy (scripts/resize_idx.py uses them too; the numpy image
reader of the other scripts is scripts/torch_model.py's `read_idx`).
"""
import argparse, gzip, os, struct, sys


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    body = data[4 + 4 * dims:]
    per = 1
    for s in shape[1:]:
        per *= s
    if len(body) != shape[0] * per:
        sys.exit(f"{path}: {len(body)} bytes of data for shape {shape}")
    return shape, per, body


def write_idx(path, shape, body):
    header = bytes([0, 0, 8, len(shape)]) + struct.pack(">" + "I" * len(shape), *shape)
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(header + body)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source", help="folder with train-images-idx3-ubyte.gz (and train-labels-idx1-ubyte.gz)")
    p.add_argument("out", help="output folder (created)")
    p.add_argument("--train", type=int, default=50000, help="training images kept (the rest are held out)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for kind, test_name in (("images-idx3", "t10k-images-idx3-ubyte.gz"), ("labels-idx1", "t10k-labels-idx1-ubyte.gz")):
        src = os.path.join(a.source, f"train-{kind}-ubyte.gz")
        if not os.path.exists(src):
            if kind.startswith("images"):
                sys.exit(f"{src}: not found")
            continue
        shape, per, body = read_idx(src)
        if not 0 < a.train < shape[0]:
            sys.exit(f"--train {a.train} must be between 1 and {shape[0] - 1}")
        n = a.train
        write_idx(os.path.join(a.out, f"train-{kind}-ubyte.gz"), (n,) + shape[1:], body[:n * per])
        write_idx(os.path.join(a.out, test_name), (shape[0] - n,) + shape[1:], body[n * per:])
    print(f"{a.out}: {a.train} training and the rest held out")


if __name__ == "__main__":
    main()
