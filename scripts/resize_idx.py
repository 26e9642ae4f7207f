#!/usr/bin/env python3
"""Resize every image of an IDX image set (train and t10k files) to SIZE x SIZE with Pillow's
bilinear filter, as torchvision's Resize does, so that rda's figures can be compared with papers
that report MNIST at 32x32 (for example Lei, Hassani and Bidokhti 2022):

    ~/.cache/rda/codecs-venv/bin/python scripts/resize_idx.py ../shared/data/mnist /tmp/mnist32 --size 32

Labels files are copied unchanged. The output folder is read by `rda train --data FOLDER`.
"""
import argparse, gzip, os, shutil, struct, sys

from PIL import Image


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
        src = os.path.join(a.source, f"{split}-images-idx3-ubyte.gz")
        with gzip.open(src, "rb") as f:
            data = f.read()
        if len(data) < 16 or data[:4] != b"\x00\x00\x08\x03":
            sys.exit(f"{src}: not a 3-dimensional unsigned-byte IDX file")
        n, h, w = struct.unpack(">III", data[4:16])
        if len(data) != 16 + n * h * w:
            sys.exit(f"{src}: {len(data) - 16} bytes of pixels for {n}x{h}x{w}")
        out = bytearray(b"\x00\x00\x08\x03" + struct.pack(">III", n, a.size, a.size))
        for i in range(n):
            img = Image.frombytes("L", (w, h), data[16 + i * h * w:16 + (i + 1) * h * w])
            out += img.resize((a.size, a.size), Image.BILINEAR).tobytes()
        with gzip.open(os.path.join(a.out, f"{split}-images-idx3-ubyte.gz"), "wb", compresslevel=6) as f:
            f.write(bytes(out))
        labels = os.path.join(a.source, f"{split}-labels-idx1-ubyte.gz")
        if os.path.exists(labels):
            shutil.copy(labels, a.out)
    print(f"{a.out}: {a.size}x{a.size}")


if __name__ == "__main__":
    main()
