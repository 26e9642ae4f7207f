#!/usr/bin/env python3
"""Rebuild an rda model from its model.safetensors alone, in PyTorch or in plain numpy.

The file's metadata holds `rda.architecture` (JSON): every encoder and decoder layer in order
with its kind, hyperparameters and tensor names, the flatten order (NCHW), the channel (Gaussian:
the encoder's output is [mu, logvar], logvar clamped to [-30, 20]; quantized: the output is y,
z = round(y)) and the prior. Weights are float32 tensors; a quantized model's coding tables
(`prior.table_*`) are int32. Nothing of rda's sources is consulted.

    python3 scripts/torch_model.py runs/mnist/model.safetensors --idx IMAGES [--backend numpy|torch]

prints, as JSON, what `rda eval` reports as `rate_nats` (Gaussian channel: closed-form KL against
the prior; quantized channel: -ln P(round(y)) under the logistic-mixture prior; mean over
examples) and `distortion_mean_latent` (distortion of the z = mu, or z = y, reconstruction), on the
images of an IDX file (gzip or not; pixels / 255, flattened NCHW), or on rows of a .npy file
(--npy). As a module:

    import torch_model
    tensors, meta = torch_model.read_safetensors(path)
    encoder, decoder = torch_model.torch_modules(meta["rda.architecture"], tensors)  # needs torch

Only numpy is needed for the numpy backend.
"""
import argparse
import gzip
import json
import struct
import sys

import numpy as np


DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8", "I16": "<i2", "I8": "i1", "U8": "u1"}


def read_safetensors(path):
    """Returns ({name: array}, {metadata key: value}) of a safetensors file (F32 weights stay
    float32; integer tensors such as a quantized model's int32 coding tables keep their type)."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    meta = header.pop("__metadata__", {})
    data = blob[8 + length:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{name}: dtype {info['dtype']} is not one this script reads ({', '.join(DTYPES)})")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).copy()
    return tensors, meta


def architecture(meta):
    if "rda.architecture" not in meta:
        raise SystemExit("torch_model.py: the file has no rda.architecture metadata; re-save it with a newer rda "
                         "(rda standardize --model DIR --out DIR2 writes a new file)")
    return json.loads(meta["rda.architecture"])


# ---------------------------------------------------------------- numpy forward pass

def _conv2d(x, w, b, stride, padding):
    """x [N, C, H, W], w [O, C, k, k] -> [N, O, OH, OW] (cross-correlation, as PyTorch)."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - k) // stride + 1
    ow = (wd + 2 * padding - k) // stride + 1
    out = np.zeros((n, o, oh, ow), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j], optimize=True)
    if b is not None:
        out += b[None, :, None, None]
    return out


def _conv_transpose2d(x, w, b, stride, padding, output_padding):
    """x [N, I, H, W], w [I, O, k, k] -> [N, O, OH, OW], OH = (H-1) stride - 2 padding + k + output_padding."""
    n, _, h, wd = x.shape
    _, o, k, _ = w.shape
    full_h = (h - 1) * stride + k + output_padding
    full_w = (wd - 1) * stride + k + output_padding
    out = np.zeros((n, o, full_h + padding, full_w + padding), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            contrib = np.einsum("nihw,io->nohw", x, w[:, :, i, j], optimize=True)
            out[:, :, i:i + stride * (h - 1) + 1:stride, j:j + stride * (wd - 1) + 1:stride] += contrib
    oh = (h - 1) * stride - 2 * padding + k + output_padding
    ow = (wd - 1) * stride - 2 * padding + k + output_padding
    out = out[:, :, padding:padding + oh, padding:padding + ow]
    if b is not None:
        out += b[None, :, None, None]
    return out


def numpy_forward(layers, tensors, x):
    """Runs a list of layer descriptions on x (float64), batch axis first."""
    for layer in layers:
        kind = layer["kind"]
        t = {key: tensors[name].astype(np.float64) for key, name in layer.get("tensors", {}).items()}
        if kind == "linear":
            x = x @ t["weight"].T + (t["bias"] if "bias" in t else 0)
        elif kind == "conv2d":
            x = _conv2d(x, t["weight"], t.get("bias"), layer["stride"], layer["padding"])
        elif kind == "conv_transpose2d":
            x = _conv_transpose2d(x, t["weight"], t.get("bias"), layer["stride"], layer["padding"],
                                  layer.get("output_padding", 0))
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "leaky_relu":
            x = np.where(x > 0, x, layer["slope"] * x)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind == "tanh":
            x = np.tanh(x)
        elif kind == "reshape":
            x = x.reshape([x.shape[0]] + list(layer["shape"]))
        elif kind == "reshape_channel_affine":
            x = x.reshape([x.shape[0]] + list(layer["shape"]))
            x = x * t["scale"].reshape(1, -1, 1, 1) + t["shift"].reshape(1, -1, 1, 1)
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "residual":
            x = numpy_forward(layer["body"], tensors, x) + x
            if layer.get("activation", "identity") == "relu":
                x = np.maximum(x, 0)
        else:
            raise SystemExit(f"torch_model.py: unknown layer kind '{kind}'")
    return x


# ---------------------------------------------------------------- PyTorch modules

def torch_modules(arch, tensors):
    """(encoder, decoder) as torch.nn.Sequential with the file's weights."""
    import torch
    from torch import nn

    class _ReshapeChannelAffine(nn.Module):
        """Reshape [N, C*h*w] to [N, C, h, w], then scale_c x + shift_c per channel."""
        def __init__(self, shape):
            super().__init__()
            self.shape = tuple(shape)
            self.scale = nn.Parameter(torch.ones(shape[0]))
            self.shift = nn.Parameter(torch.zeros(shape[0]))

        def forward(self, x):
            x = x.reshape((x.shape[0],) + self.shape)
            return x * self.scale.view(1, -1, 1, 1) + self.shift.view(1, -1, 1, 1)

    class _Residual(nn.Sequential):
        """act(body(x) + x): the body's parameters named as those of an nn.Sequential."""
        def __init__(self, modules, activation):
            super().__init__(*modules)
            self.relu = activation == "relu"

        def forward(self, x):
            y = super().forward(x) + x
            return torch.relu(y) if self.relu else y

    def build(layers):
        modules = []
        for layer in layers:
            kind = layer["kind"]
            names = layer.get("tensors", {})
            if kind == "linear":
                m = nn.Linear(layer["in_features"], layer["out_features"], bias="bias" in names)
            elif kind == "conv2d":
                m = nn.Conv2d(layer["in_channels"], layer["out_channels"], layer["kernel_size"],
                              stride=layer["stride"], padding=layer["padding"], bias="bias" in names)
            elif kind == "conv_transpose2d":
                m = nn.ConvTranspose2d(layer["in_channels"], layer["out_channels"], layer["kernel_size"],
                                       stride=layer["stride"], padding=layer["padding"],
                                       output_padding=layer.get("output_padding", 0), bias="bias" in names)
            elif kind == "relu":
                m = nn.ReLU()
            elif kind == "leaky_relu":
                m = nn.LeakyReLU(layer["slope"])
            elif kind == "sigmoid":
                m = nn.Sigmoid()
            elif kind == "tanh":
                m = nn.Tanh()
            elif kind == "reshape":
                m = nn.Unflatten(1, tuple(layer["shape"]))
            elif kind == "reshape_channel_affine":
                m = _ReshapeChannelAffine(layer["shape"])
            elif kind == "flatten":
                m = nn.Flatten()
            elif kind == "residual":
                m = _Residual(list(build(layer["body"])), layer.get("activation", "identity"))
            else:
                raise SystemExit(f"torch_model.py: unknown layer kind '{kind}'")
            with torch.no_grad():
                for key, name in names.items():
                    getattr(m, key).copy_(torch.from_numpy(tensors[name]))
            modules.append(m)
        return nn.Sequential(*modules)

    return build(arch["encoder"]), build(arch["decoder"])


# ---------------------------------------------------------------- the figures of rda eval

def channel_outputs(arch, h):
    """Splits the encoder output h [N, 2K] into mu and the clamped log-variance (a spatial map's
    K = C * positions values, channel-major: mu is its first C channels)."""
    ch = arch["channel"]
    if ch["kind"] != "gaussian":
        raise SystemExit(f"torch_model.py: channel '{ch['kind']}' has no (mu, logvar) outputs")
    k = h.shape[1] // 2
    lo, hi = ch["logvar_clamp"]
    return h[:, :k], np.clip(h[:, k:2 * k], lo, hi)


def closed_form_rate(arch, tensors, mu, logvar):
    """KL(N(mu, e^logvar) || prior) per example, nats: 1/2 sum (e^lv + (mu - m)^2) / s^2 + ln s - lv/2 - 1/2."""
    prior = arch["prior"]
    if prior["kind"] == "learned":
        m = tensors[prior["tensors"]["mu"]].astype(np.float64)
        log_s = tensors[prior["tensors"]["log_sigma"]].astype(np.float64)
        # one prior per latent channel, shared over a map's positions (channel-major)
        m, log_s = np.repeat(m, mu.shape[1] // len(m)), np.repeat(log_s, mu.shape[1] // len(log_s))
    else:
        m = np.zeros(mu.shape[1])
        log_s = np.zeros(mu.shape[1])
    quad = (np.exp(logvar) + (mu - m) ** 2) * np.exp(-2 * log_s)
    return (0.5 * quad + log_s - 0.5 * logvar - 0.5).sum(axis=1)


def _log_sigmoid(t):
    return -np.logaddexp(0, -t)


def quantized_rate(tensors, z):
    """-sum_k ln P_k(z_k) per example, nats: P_k(x) = sum_m w_km [sigma(b) - sigma(a)],
    a = (x - 1/2 - loc) / s, b = (x + 1/2 - loc) / s, w = softmax(logits), s = exp(log_scale)
    (rda's LogisticMixturePrior, with the same cancellation-free form of each component's mass)."""
    logits = tensors["prior.logits"].astype(np.float64)      # [K, M]
    loc = tensors["prior.loc"].astype(np.float64)
    log_scale = tensors["prior.log_scale"].astype(np.float64)
    # one mixture per latent channel, shared over a map's positions (channel-major)
    p = z.shape[1] // logits.shape[0]
    logits, loc, log_scale = (np.repeat(t, p, axis=0) for t in (logits, loc, log_scale))
    log_w = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    c = np.exp(-log_scale)                                      # 1 / s
    x = z[:, :, None]
    a = (x - 0.5 - loc) * c
    b = (x + 0.5 - loc) * c
    log_p = _log_sigmoid(b) + _log_sigmoid(-a) + np.log(-np.expm1(-c))
    return -np.logaddexp.reduce(log_w + log_p, axis=2).sum(axis=1)


def distortion(arch, y, y_hat):
    e = y - y_hat
    return (e ** 2).sum(axis=1) if arch["distortion"] == "l2" else np.abs(e).sum(axis=1)


def evaluate(path, y, backend="numpy", batch=1000):
    """Mean rate (Gaussian: closed-form KL; quantized: -ln P(round(y))) and z = mu (quantized:
    z = y) distortion of the model at `path` on rows y [N, D]."""
    tensors, meta = read_safetensors(path)
    arch = architecture(meta)
    if backend == "torch":
        import torch
        enc, dec = torch_modules(arch, tensors)
        enc.double(); dec.double()

        def run(net, x):
            with torch.no_grad():
                return net(torch.from_numpy(x)).numpy()
        encode = lambda x: run(enc, x)
        decode = lambda z: run(dec, z)
    else:
        encode = lambda x: numpy_forward(arch["encoder"], tensors, x)
        decode = lambda z: numpy_forward(arch["decoder"], tensors, z)
    rates, dists = [], []
    for lo in range(0, len(y), batch):
        x = y[lo:lo + batch].astype(np.float64)
        h = encode(x)
        if arch["channel"]["kind"] == "quantized":
            y_latent = h
            z = np.clip(y_latent, -2.0 ** 30, 2.0 ** 30)
            z = np.sign(z) * np.floor(np.abs(z) + 0.5)   # round halves away from zero, as rda
            rates.append(quantized_rate(tensors, z))
            dists.append(distortion(arch, x, decode(y_latent)))
            continue
        mu, logvar = channel_outputs(arch, h)
        rates.append(closed_form_rate(arch, tensors, mu, logvar))
        dists.append(distortion(arch, x, decode(mu)))
    return {"rate_nats": float(np.concatenate(rates).mean()),
            "distortion_mean_latent": float(np.concatenate(dists).mean()),
            "examples": int(len(y))}


def read_idx(path):
    """The images of an idx3-ubyte file (gzip or not) as uint8, [N, H, W]."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", blob[:16])
    if magic != 2051:
        raise SystemExit(f"{path}: not an idx3-ubyte image file (magic {magic})")
    return np.frombuffer(blob[16:16 + n * rows * cols], dtype=np.uint8).reshape(n, rows, cols)


def read_idx_images(path):
    """Images of an idx3-ubyte file (gzip or not) as float rows in [0, 1], [N, H*W]."""
    images = read_idx(path)
    return images.reshape(len(images), -1).astype(np.float32) / 255


def main():
    p = argparse.ArgumentParser(description="Rebuild an rda model from its file and score it like rda eval.")
    p.add_argument("model", help="model.safetensors (or a run folder)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--idx", help="idx3-ubyte image file (e.g. t10k-images-idx3-ubyte.gz)")
    src.add_argument("--npy", help=".npy file of rows [N, D]")
    p.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    a = p.parse_args()
    path = a.model
    if not path.endswith(".safetensors"):
        path = path.rstrip("/") + "/model.safetensors"
    y = read_idx_images(a.idx) if a.idx else np.load(a.npy)
    print(json.dumps(evaluate(path, y, a.backend), sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
