#!/usr/bin/env python3
"""Resize every image of an IDX image set (train and t10k files) to SIZE x SIZE with Pillow's
bilinear filter, as torchvision's Resize does, so that rda's figures can be compared with papers
that report MNIST at 32x32 (for example Lei, Hassani and Bidokhti 2022):

    ~/.cache/rda/codecs-venv/bin/python scripts/resize_idx.py ../shared/data/mnist /tmp/mnist32 --size 32

Labels files are copied unchanged. The output folder is read by `rda train --data FOLDER`.
"""
import argparse, os, shutil, sys

from PIL import Image

from heldout_split import read_idx, write_idx  # the IDX files as bytes, any rank


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source")
    p.add_argument("out")
    p.add_argument("--size", type=int, default=32)
    a = p.parse_args()
    if not 4 <= a.size <= 1024:
        sys.exit("--size must be 4...1024")
    os.makedirs(a.out, exist_ok=True)
    for split in ("train", "t10k"):
        shape, per, body = read_idx(os.path.join(a.source, f"{split}-images-idx3-ubyte.gz"))
        if len(shape) != 3:
            sys.exit(f"{a.source}: {split} images are not [N, H, W]")
        n, h, w = shape
        out = bytearray()
        for i in range(n):
            img = Image.frombytes("L", (w, h), body[i * per:(i + 1) * per])
            out += img.resize((a.size, a.size), Image.BILINEAR).tobytes()
        write_idx(os.path.join(a.out, f"{split}-images-idx3-ubyte.gz"), (n, a.size, a.size), bytes(out))
        labels = os.path.join(a.source, f"{split}-labels-idx1-ubyte.gz")
        if os.path.exists(labels):
            shutil.copy(labels, a.out)
    print(f"{a.out}: {a.size}x{a.size}")


if __name__ == "__main__":
    main()
