"""Lossless codecs on a test set's 8-bit pixels (see scripts/lossless-baselines)."""
import argparse, bz2, gzip, io, json, lzma, os, struct, sys

import numpy as np
from PIL import Image

from torch_model import read_idx  # one IDX reader for the scripts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True)
    p.add_argument("--data", default="mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--data-dir", default=None)
    p.add_argument("--rda-file", default=None)
    p.add_argument("--rda-nelbo", type=float, default=None, help="the model's -ELBO in bits/dim (from compress's line)")
    p.add_argument("--out", default=None)
    a = p.parse_args()
    root = a.data_dir or os.path.join(a.repo, "..", "shared", "data")
    images = read_idx(os.path.join(root, a.data, "t10k-images-idx3-ubyte.gz"))
    n, h, w = images.shape
    dims = n * h * w
    raw = images.tobytes()
    bpd = lambda nbytes: 8 * nbytes / dims
    rows = {
        "gzip -9": bpd(len(gzip.compress(raw, 9))),
        "bz2 -9": bpd(len(bz2.compress(raw, 9))),
        "xz -9e": bpd(len(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))),
    }
    png = webp = 0
    for img in images:
        b = io.BytesIO(); Image.fromarray(img, "L").save(b, "PNG", optimize=True); png += b.tell()
        b = io.BytesIO(); Image.fromarray(img, "L").save(b, "WEBP", lossless=True, quality=100, method=6); webp += b.tell()
    rows["PNG (per image)"] = bpd(png)
    rows["WebP lossless (per image)"] = bpd(webp)
    if a.rda_nelbo is not None:
        rows["rda model -ELBO"] = a.rda_nelbo
    if a.rda_file:
        rows["rda bits-back file"] = bpd(os.path.getsize(a.rda_file))
    print(f"{a.data} test set: {n} images of {h}x{w}, bits per dimension")
    for name, v in sorted(rows.items(), key=lambda kv: kv[1]):
        print(f"  {name:28s} {v:.4f}")
    out = a.out or os.path.join(a.repo, "docs", "images")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{a.data}-lossless.json"), "w") as f:
        json.dump({"data": a.data, "images": n, "bits_per_dim": rows}, f, indent=1, sort_keys=True)
    # a horizontal bar chart, by hand (no matplotlib needed)
    items = sorted(rows.items(), key=lambda kv: kv[1])
    width, bar, left = 640, 22, 230
    scale = (width - left - 70) / max(v for _, v in items)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{40 + bar * len(items)}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="18" font-size="14">{a.data} test set, lossless: bits per dimension</text>']
    for i, (name, v) in enumerate(items):
        y = 30 + i * bar
        colour = "#d62728" if name.startswith("rda") else "#1f77b4"
        svg.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{name}</text>')
        svg.append(f'<rect x="{left}" y="{y + 3}" width="{v * scale:.1f}" height="{bar - 6}" fill="{colour}"/>')
        svg.append(f'<text x="{left + v * scale + 4:.1f}" y="{y + 14}">{v:.3f}</text>')
    svg.append("</svg>")
    with open(os.path.join(out, f"{a.data}-lossless.svg"), "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    sys.exit(main())
