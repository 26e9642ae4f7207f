"""The three ways rda turns a rate into bits, on one data set's test split (or the first N training
examples, `--split train --count N`, the protocol of the literature's MNIST figures): for Gaussian-channel models
their rate (KL, no file), channel simulation (`rda compress`) and bits-back (`rda compress
--lossless`); for quantized models the rounded latents' file. Prints a markdown table and writes a
chart of bits per image against PSNR with the literature's points. Run through scripts/three-ways."""
import argparse, json, os, subprocess, sys, tempfile

# Lei, Hassani and Bidokhti 2022, a fixed-rate neural codec on MNIST: images resized to 32x32, and
# (in their released code, leieric/NERD-RCC one_shot_PFR.py) measured on the first 5,000 training images.
LITERATURE = [(17.9, 18.7), (35.8, 22.7)]


def run(rda, args):
    r = subprocess.run([rda] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"rda {' '.join(args)} failed: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rda", required=True)
    ap.add_argument("--gaussian", nargs="*", default=[], help="Gaussian-channel run folders")
    ap.add_argument("--quantized", nargs="*", default=[], help="quantized-channel run folders")
    ap.add_argument("--out", required=True, help="the chart, FILE.svg (FILE.json beside it), or FILE.json alone (no chart, no matplotlib)")
    ap.add_argument("--title", default="MNIST test set", help="what the chart's title names (the data and split)")
    ap.add_argument("--no-literature", action="store_true", help="leave out the literature's MNIST points (other data)")
    ap.add_argument("--split", choices=["test", "train"], default="test", help="the split coded and evaluated")
    ap.add_argument("--count", type=int, help="with --split train: its first COUNT examples (default all)")
    a = ap.parse_args()
    if a.count is not None and (a.split != "train" or a.count < 1):
        sys.exit("--count takes a positive number, with --split train (the test split is always whole)")
    if os.path.splitext(a.out)[1] not in (".svg", ".json"):
        sys.exit(f"--out {a.out}: a chart FILE.svg or a table FILE.json")
    # The examples every command reads: rda eval names the training split's first N --examples,
    # rda compress its first --count.
    evaluated = ["--split", a.split] + (["--examples", str(a.count)] if a.count else [])
    coded = ["--split", a.split] + (["--count", str(a.count)] if a.count else [])
    rows, tmp = [], tempfile.mkdtemp(prefix="rda-three-ways-")
    for m in a.gaussian:
        e = run(a.rda, ["eval", "--model", m, "--json"] + evaluated)
        cs = run(a.rda, ["compress", "--model", m, "--examples-per-record", "100", "--out", os.path.join(tmp, "cs.rdac"), "--json"] + coded)
        bb = run(a.rda, ["compress", "--lossless", "--model", m, "--out", os.path.join(tmp, "bb.rdac"), "--json"] + coded)
        rows.append({"model": m, "lambda": e["lambda"], "channel": "gaussian", "rate_bits": e["rate_bits"], "rate_psnr": e["psnr_db"],
                     "simulated_bits": cs["bits_per_image"], "simulated_psnr": cs["psnr_db"], "lossless_bits_per_dim": bb["bits_per_dim"],
                     "nelbo_bits_per_dim": bb["nelbo_bits_per_dim"]})
    for m in a.quantized:
        e = run(a.rda, ["eval", "--model", m, "--json"] + evaluated)
        q = run(a.rda, ["compress", "--model", m, "--examples-per-record", "100", "--out", os.path.join(tmp, "q.rdac"), "--json"] + coded)
        rows.append({"model": m, "lambda": e["lambda"], "channel": "quantized", "quantized_bits": q["bits_per_image"], "quantized_psnr": q["psnr_db"]})
    json.dump(rows, open(os.path.splitext(a.out)[0] + ".json", "w"), indent=1)
    print("| lambda | Gaussian rate (KL, no file) | channel simulation (file) | quantized, rounding (file) | bits-back, lossless (file) |")
    print("|---|---|---|---|---|")
    for lam in sorted({r["lambda"] for r in rows}):
        g = next((r for r in rows if r["lambda"] == lam and r["channel"] == "gaussian"), None)
        q = next((r for r in rows if r["lambda"] == lam and r["channel"] == "quantized"), None)
        cells = [f"{g['rate_bits']:.2f} bits, {g['rate_psnr']:.2f} dB" if g else "",
                 f"{g['simulated_bits']:.2f} bits, {g['simulated_psnr']:.2f} dB" if g else "",
                 f"{q['quantized_bits']:.2f} bits, {q['quantized_psnr']:.2f} dB" if q else "",
                 f"{g['lossless_bits_per_dim']:.3f} bits/dim (-ELBO {g['nelbo_bits_per_dim']:.3f})" if g else ""]
        print(f"| {lam:g} | " + " | ".join(cells) + " |")
    if a.out.endswith(".svg"):
        chart(rows, a)


def chart(rows, a):
    """Bits per image against PSNR: a curve per way, and the literature's points."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for key, psnr, label, style in (("rate_bits", "rate_psnr", "Gaussian rate (KL, not a file)", "s--"),
                                    ("simulated_bits", "simulated_psnr", "channel simulation (file)", "o-"),
                                    ("quantized_bits", "quantized_psnr", "quantized, rounding (file)", "^-")):
        xy = sorted((r[key], r[psnr]) for r in rows if key in r)
        if xy:
            ax.plot([x for x, _ in xy], [y for _, y in xy], style, label=label, markersize=5)
    if not a.no_literature:
        ax.plot([x for x, _ in LITERATURE], [y for _, y in LITERATURE], "k*", label="Lei et al. 2022 (32x32)", markersize=9)
    ax.set_xlabel("bits per image")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{a.title}: three ways to turn a rate into bits", fontsize=10)
    fig.tight_layout()
    fig.savefig(a.out, format="svg")


if __name__ == "__main__":
    main()
