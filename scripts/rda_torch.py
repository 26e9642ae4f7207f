#!/usr/bin/env python3
"""rda's PyTorch reference: the same models, objective and training budget as `rda train`, on CPU.

Models (latent K = 32 by default, images 28x28 in [0, 1], flattened NCHW):
  mlp : encoder 784-512-256 -> 2K with ReLU; decoder K-256-512-784 with ReLU, sigmoid output
  conv: encoder conv(1->32, k4 s2 p1) ReLU conv(32->64, k4 s2 p1) ReLU flatten linear(3136 -> 2K);
        decoder linear(K -> 3136) ReLU, convT(64->32, k4 s2 p1) ReLU convT(32->1, k4 s2 p1) sigmoid
  spatial: encoder conv(3->64, k4 s2 p1) ReLU, conv(64->64) ReLU x2, conv(64 -> 2C); decoder
        convT(C->64, k4 s2 p1) ReLU x3, convT(64->3) sigmoid (C = 64 latent channels, 64x64 RGB images,
        batch 16: `rda bench train --arch spatial`, after Balle et al. 2017)
The encoder's output is [mu, logvar] with logvar clamped to [-30, 20]; z = mu + exp(logvar/2) eps.
Per example: rate = KL(N(mu, e^logvar) || N(0, I)) in nats (closed form), distortion = sum of
squared (l2) or absolute (l1) pixel errors; the batch loss is the mean of rate + lambda * distortion.
Adam (PyTorch defaults besides the learning rate), PyTorch's default initialization (rda's too).

Two modes:

  speed (default): JSON lines, one per timed window of --steps training steps (batch 128) after
  --warmup untimed steps, then a summary; each window records the CPU time other processes took
  during it (foreign_cores, from /proc/stat). Used by scripts/bench-vs-pytorch.

      python3 scripts/rda_torch.py --arch conv --threads 2 --repeats 9 --steps 50 --idx TRAIN.gz

  quality (--epochs E): trains E epochs on the training images (shuffled each epoch, seeded),
  then prints one JSON line with the test split's rate, distortion (noisy channel, one eps per
  example) and objective, as `rda eval` reports them. Used by scripts/quality-vs-pytorch.

      python3 scripts/rda_torch.py --arch conv --lambda 4 --epochs 5 --seed 1 \\
          --idx ../shared/data/mnist/train-images-idx3-ubyte.gz --test-idx ../shared/data/mnist/t10k-images-idx3-ubyte.gz

Without --idx, speed mode uses synthetic images (seeded smooth blobs).
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np

from torch_model import read_idx_images  # one IDX reader for the scripts


def synthetic_images(n, seed=0):
    """n smooth 28x28 images in [0, 1]: a few Gaussian bumps each (seeded)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)
    out = np.zeros((n, 28, 28), dtype=np.float32)
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.uniform(7, 21, size=2)
            s = rng.uniform(1.5, 4)
            out[i] += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return np.clip(out, 0, 1).reshape(n, 784)


def synthetic_colour_images(n, seed=0, side=64):
    """n smooth 64x64 RGB images in [0, 1], flattened NCHW: a random sinusoid per channel plus noise (seeded)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    out = np.zeros((n, 3, side, side), dtype=np.float32)
    for i in range(n):
        for c in range(3):
            fx, fy, ph = rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4), rng.uniform(0, 6.28)
            out[i, c] = 0.5 + 0.35 * np.sin(fx * xx + fy * yy + ph) + rng.uniform(-0.05, 0.05, (side, side))
    return np.clip(out, 0, 1).reshape(n, 3 * side * side)


def latent_values(arch, latent):
    """Latent values per example: K, or the spatial map's C * 4 * 4."""
    return latent * 16 if arch == "spatial" else latent


def build(arch, latent, widths=None):
    from torch import nn
    if arch == "spatial":
        w = 64
        def conv(i, o): return nn.Conv2d(i, o, 4, stride=2, padding=1)
        def convt(i, o): return nn.ConvTranspose2d(i, o, 4, stride=2, padding=1)
        enc = nn.Sequential(nn.Unflatten(1, (3, 64, 64)), conv(3, w), nn.ReLU(), conv(w, w), nn.ReLU(), conv(w, w), nn.ReLU(),
                            conv(w, 2 * latent), nn.Flatten())
        dec = nn.Sequential(nn.Unflatten(1, (latent, 4, 4)), convt(latent, w), nn.ReLU(), convt(w, w), nn.ReLU(),
                            convt(w, w), nn.ReLU(), convt(w, 3), nn.Sigmoid(), nn.Flatten())
        return enc, dec
    if arch == "mlp":
        h1, h2 = widths or (512, 256)
        enc = nn.Sequential(nn.Linear(784, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 2 * latent))
        dec = nn.Sequential(nn.Linear(latent, h2), nn.ReLU(), nn.Linear(h2, h1), nn.ReLU(), nn.Linear(h1, 784), nn.Sigmoid())
    elif arch == "conv":
        c1, c2 = widths or (32, 64)
        flat = c2 * 7 * 7
        enc = nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                            nn.Conv2d(1, c1, 4, stride=2, padding=1), nn.ReLU(),
                            nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(flat, 2 * latent))
        dec = nn.Sequential(nn.Linear(latent, flat), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
                            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1), nn.Sigmoid(), nn.Flatten())
    else:
        raise SystemExit(f"rda_torch.py: --arch {arch}: use mlp or conv")
    return enc, dec


def terms(enc, dec, y, eps, distortion):
    """Per-example rate (closed-form KL to N(0, I)) and distortion through the noisy channel."""
    import torch
    h = enc(y)
    k = h.shape[1] // 2
    mu, logvar = h[:, :k], torch.clamp(h[:, k:], -30.0, 20.0)
    z = mu + torch.exp(0.5 * logvar) * eps
    y_hat = dec(z)
    rate = 0.5 * (torch.exp(logvar) + mu * mu - 1 - logvar).sum(dim=1)
    e = y - y_hat
    dist = (e * e).sum(dim=1) if distortion == "l2" else e.abs().sum(dim=1)
    return rate, dist


class ForeignLoad:
    """CPU seconds that other processes used, from /proc/stat, between `start` and `stop`."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _busy(self):
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
            idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
            return (sum(fields[:8]) - idle) / self.hz
        except OSError:
            return None

    def start(self):
        self.t0, self.b0, self.o0 = time.perf_counter(), self._busy(), sum(os.times()[:2])

    def stop(self):
        wall = time.perf_counter() - self.t0
        b1, own = self._busy(), sum(os.times()[:2]) - self.o0
        if self.b0 is None or b1 is None or wall <= 0:
            return None
        return max(0.0, (b1 - self.b0 - own) / wall)


def speed(a, images):
    import torch
    enc, dec = build(a.arch, a.latent)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    x = torch.from_numpy(images)
    gen = torch.Generator().manual_seed(a.seed)

    def step():
        idx = torch.randint(0, x.shape[0], (a.batch_size,), generator=gen)
        y = x[idx]
        eps = torch.randn(a.batch_size, latent_values(a.arch, a.latent), generator=gen)
        rate, dist = terms(enc, dec, y, eps, a.distortion)
        loss = (rate + a.lambda_ * dist).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step()
    load, rates = ForeignLoad(), []
    for w in range(a.repeats):
        load.start()
        t0 = time.perf_counter()
        for _ in range(a.steps):
            loss = step()
        seconds = time.perf_counter() - t0
        ips = a.steps * a.batch_size / seconds
        rates.append(ips)
        print(json.dumps({"kind": "window", "side": "torch", "arch": a.arch, "threads": a.threads, "window": w,
                          "images_per_sec": round(ips, 1), "seconds": round(seconds, 4), "loss": float(loss.detach()),
                          "foreign_cores": load.stop(), "tag": a.tag}), flush=True)
    print(json.dumps({"kind": "summary", "side": "torch", "arch": a.arch, "threads": a.threads,
                      "median_images_per_sec": round(statistics.median(rates), 1), "min": round(min(rates), 1),
                      "max": round(max(rates), 1), "torch": torch.__version__, "tag": a.tag}), flush=True)


def quality(a, train, test):
    import torch
    torch.manual_seed(a.seed)
    enc, dec = build(a.arch, a.latent)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=a.lr)
    x = torch.from_numpy(train)
    gen = torch.Generator().manual_seed(a.seed)
    start = time.perf_counter()
    for _ in range(a.epochs):
        order = torch.randperm(x.shape[0], generator=gen)
        for lo in range(0, x.shape[0], a.batch_size):
            y = x[order[lo:lo + a.batch_size]]
            eps = torch.randn(y.shape[0], a.latent, generator=gen)
            rate, dist = terms(enc, dec, y, eps, a.distortion)
            loss = (rate + a.lambda_ * dist).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    t = torch.from_numpy(test)
    egen = torch.Generator().manual_seed(0)
    rates, dists = [], []
    with torch.no_grad():
        for lo in range(0, t.shape[0], 1000):
            y = t[lo:lo + 1000]
            r, d = terms(enc, dec, y, torch.randn(y.shape[0], a.latent, generator=egen), a.distortion)
            rates.append(r); dists.append(d)
    r, d = torch.cat(rates).double(), torch.cat(dists).double()
    print(json.dumps({"kind": "quality", "arch": a.arch, "lambda": a.lambda_, "epochs": a.epochs, "seed": a.seed,
                      "rate_nats": r.mean().item(), "distortion": d.mean().item(),
                      "objective": (r + a.lambda_ * d).mean().item(), "train_seconds": round(seconds, 1),
                      "torch": torch.__version__}), flush=True)


def main():
    p = argparse.ArgumentParser(description="rda's PyTorch reference (speed windows, or --epochs for quality).")
    p.add_argument("--arch", choices=["mlp", "conv", "spatial"], default="mlp")
    p.add_argument("--latent", type=int, help="latent K (default 32), or spatial's latent channels C (default 64)")
    p.add_argument("--distortion", choices=["l2", "l1"], default="l2")
    p.add_argument("--lambda", dest="lambda_", type=float, default=4.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, help="default 128, spatial 16")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--idx", help="training images (idx3-ubyte, gzip or not); synthetic when absent (speed mode)")
    p.add_argument("--test-idx", help="test images (quality mode)")
    p.add_argument("--epochs", type=int, help="quality mode: train this many epochs, then score the test split")
    p.add_argument("--examples", type=int, help="quality mode: train on the first N training images only (smoke runs)")
    p.add_argument("--repeats", type=int, default=5, help="speed mode: timed windows")
    p.add_argument("--steps", type=int, default=50, help="speed mode: steps per window")
    p.add_argument("--warmup", type=int, default=10, help="speed mode: untimed steps first")
    p.add_argument("--tag", default="")
    p.add_argument("--wait-quiet", type=float, metavar="SECONDS",
                   help="only wait (up to SECONDS) until other processes use under 0.25 cores, then exit")
    a = p.parse_args()
    if a.latent is None:
        a.latent = 64 if a.arch == "spatial" else 32
    if a.batch_size is None:
        a.batch_size = 16 if a.arch == "spatial" else 128
    if a.wait_quiet is not None:
        load, deadline = ForeignLoad(), time.monotonic() + a.wait_quiet
        while time.monotonic() < deadline:
            load.start(); time.sleep(1.0)
            f = load.stop()
            if f is None or f < 0.25:
                return 0
        return 0
    try:
        import torch
    except ImportError:
        raise SystemExit("rda_torch.py: PyTorch is not installed; pip install torch (CPU wheel) in a virtual environment")
    torch.set_num_threads(a.threads)
    if a.epochs:
        if not (a.idx and a.test_idx):
            raise SystemExit("rda_torch.py: --epochs needs --idx TRAIN and --test-idx TEST image files")
        train = read_idx_images(a.idx)
        quality(a, train[:a.examples] if a.examples else train, read_idx_images(a.test_idx))
    else:
        if a.arch == "spatial":
            speed(a, synthetic_colour_images(256))
        else:
            speed(a, read_idx_images(a.idx) if a.idx else synthetic_images(4096))


if __name__ == "__main__":
    sys.exit(main())
