#!/usr/bin/env python3
"""How much a learned prior could save a Gaussian-channel model: its test-set rate under the
standard prior against the rate under two learned priors fitted to the training set's posteriors.

    python3 scripts/prior_headroom.py runs/m1 --train TRAIN-IDX --test TEST-IDX [--examples 2000]

The rate of an example under a prior p_hat is E ln p(z|y) / p_hat(z) (docs/theory.md). Printed,
in bits per image (mean over test examples, with standard errors where sampled):

- `standard`: the closed-form KL against the model's own prior (what `rda eval` reports), and
  its one-sample Monte Carlo estimate on the same draws as the next line;
- `aggregate`: p_hat = the training set's aggregate posterior (1/N) sum_i p(z|y_i), the prior that
  minimises the training set's rate; on the test set it is the best a learned prior can do
  without overfitting to the training images (one sample z per test example);
- `mixture K`: a K-component diagonal Gaussian mixture fitted to the training posteriors (hard
  assignments, each component moment-matched to its posteriors, weights their shares; 30
  rounds), on the test set: the soft mixture's rate (a lower bound of the mixture family's
  rate here) and the rate of sending the component first (-ln pi_c) and then the latent against
  that component (what channel simulation against one Gaussian per example would cost).

Needs numpy only (scripts/torch_model.py's numpy forward pass). The model must have a dense
latent (mlp, conv, resnet): a spatial model's per-image latent is far larger than the
aggregate's sample size.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_model  # noqa: E402

LN2 = np.log(2)


def posteriors(arch, tensors, images, batch=2000):
    mus, lvs = [], []
    for s in range(0, len(images), batch):
        h = torch_model.numpy_forward(arch["encoder"], tensors, images[s:s + batch].astype(np.float64))
        mu, lv = torch_model.channel_outputs(arch, h.reshape(len(h), -1))
        mus.append(mu)
        lvs.append(lv)
    return np.concatenate(mus), np.concatenate(lvs)


def log_normal(z, m, lv):
    """ln N(z_b; m_j, e^lv_j) summed over dimensions, [B, J]."""
    iv = np.exp(-lv)
    quad = (z * z) @ iv.T - 2 * z @ (m * iv).T + np.sum(m * m * iv, 1)[None, :]
    return -0.5 * (quad + np.sum(lv, 1)[None, :] + z.shape[1] * np.log(2 * np.pi))


def logsumexp(a):
    top = a.max(1)
    return top + np.log(np.exp(a - top[:, None]).sum(1))


def kl_to_components(mu, lv, m, log_s):
    """KL(N(mu, e^lv) || N(m_c, e^{2 log_s_c})) for every example and component, nats, [N, K]."""
    v = np.exp(lv)
    out = np.empty((len(mu), len(m)))
    for c in range(len(m)):
        out[:, c] = 0.5 * np.sum((v + (mu - m[c]) ** 2) * np.exp(-2 * log_s[c]) - 1 - lv + 2 * log_s[c], axis=1)
    return out


def fit_mixture(mu, lv, k, rng, rounds=30):
    m = mu[rng.choice(len(mu), k, replace=False)].copy()
    log_s = np.zeros_like(m)
    log_pi = np.full(k, -np.log(k))
    for _ in range(rounds):
        a = (kl_to_components(mu, lv, m, log_s) - log_pi).argmin(1)
        for c in range(k):
            mine = a == c
            if mine.sum() < 5:  # an empty component restarts at a random posterior
                m[c], log_s[c] = mu[rng.integers(len(mu))], 0
                continue
            m[c] = mu[mine].mean(0)
            log_s[c] = 0.5 * np.log((np.exp(lv[mine]) + (mu[mine] - m[c]) ** 2).mean(0))
        counts = np.bincount(a, minlength=k) + 0.5
        log_pi = np.log(counts / counts.sum())
    return m, log_s, log_pi


def mean_se(x):
    return float(x.mean()), float(x.std() / np.sqrt(len(x)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", help="a run folder (or its model.safetensors) of a Gaussian-channel model")
    p.add_argument("--train", required=True, help="training images (idx3-ubyte, gzip or not)")
    p.add_argument("--test", required=True, help="test images")
    p.add_argument("--examples", type=int, default=2000, help="test examples sampled for the aggregate prior")
    p.add_argument("--components", default="10,32,128", help="mixture sizes K, comma-separated")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if a.examples < 1:
        sys.exit("prior_headroom.py: --examples must be at least 1")
    path = a.model if a.model.endswith(".safetensors") else os.path.join(a.model, "model.safetensors")
    tensors, meta = torch_model.read_safetensors(path)
    arch = torch_model.architecture(meta)
    if arch["channel"]["kind"] != "gaussian":
        sys.exit(f"prior_headroom.py: {path} has a {arch['channel']['kind']} channel, not a Gaussian one")
    if arch["prior"]["kind"] != "standard":
        sys.exit("prior_headroom.py: the model has a learned prior; rda standardize it first")
    train = torch_model.read_idx_images(a.train)
    test = torch_model.read_idx_images(a.test)
    mu_tr, lv_tr = posteriors(arch, tensors, train)
    mu_te, lv_te = posteriors(arch, tensors, test)
    rng = np.random.default_rng(a.seed)
    out = {"model": path, "latent": int(mu_te.shape[1]), "train_examples": len(mu_tr), "test_examples": len(mu_te)}
    out["standard_closed_form_bits"] = float(torch_model.closed_form_rate(arch, tensors, mu_te, lv_te).mean() / LN2)

    try:
        sizes = [int(x) for x in a.components.split(",") if x.strip()]
    except ValueError:
        sys.exit(f"prior_headroom.py: --components '{a.components}' is not a comma-separated list of integers")
    if any(k < 1 or k > len(mu_tr) for k in sizes):
        sys.exit(f"prior_headroom.py: each mixture size must be between 1 and {len(mu_tr)} (the training examples)")
    mixtures = []
    for k in sizes:
        m, log_s, log_pi = fit_mixture(mu_tr, lv_tr, k, rng)
        cost = kl_to_components(mu_te, lv_te, m, log_s) - log_pi
        mixtures.append({"components": k, "fit": (m, 2 * log_s, log_pi),
                         "component_then_latent_bits": float(cost.min(1).mean() / LN2), "mc": []})

    pick = rng.choice(len(mu_te), min(a.examples, len(mu_te)), replace=False)
    std_mc, agg = [], []
    for s in range(0, len(pick), 200):
        mu, lv = mu_te[pick[s:s + 200]], lv_te[pick[s:s + 200]]
        z = mu + np.exp(lv / 2) * rng.standard_normal(mu.shape)
        own = np.sum(-0.5 * ((z - mu) ** 2 * np.exp(-lv) + lv + np.log(2 * np.pi)), 1)
        std_mc.append(own - np.sum(-0.5 * (z * z + np.log(2 * np.pi)), 1))
        agg.append(own - (logsumexp(log_normal(z, mu_tr, lv_tr)) - np.log(len(mu_tr))))
        for mix in mixtures:
            m, lv_c, log_pi = mix["fit"]
            mix["mc"].append(own - logsumexp(log_normal(z, m, lv_c) + log_pi[None, :]))
    out["standard_mc_bits"] = mean_se(np.concatenate(std_mc) / LN2)
    out["aggregate_prior_bits"] = mean_se(np.concatenate(agg) / LN2)
    out["sampled_examples"] = len(pick)
    for mix in mixtures:
        mix["mixture_prior_bits"] = mean_se(np.concatenate(mix.pop("mc")) / LN2)
        del mix["fit"]
    out["mixtures"] = mixtures
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
