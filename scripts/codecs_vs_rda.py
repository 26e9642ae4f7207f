"""Bits per image against PSNR: rda against PNG, JPEG and WebP (see scripts/codecs-vs-rda)."""
import argparse, glob, gzip, io, json, math, os, struct, subprocess, sys, tempfile

import numpy as np
from PIL import Image

from torch_model import read_idx  # one IDX reader for the scripts


def find_test_images(data, data_dir):
    for d in [data_dir, os.environ.get("RDA_DATA_DIR") and os.path.join(os.environ["RDA_DATA_DIR"], data),
              os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", data),
              f"/usr/share/datasets/{data}", os.path.expanduser(f"~/.cache/rda/{data}")]:
        if not d:
            continue
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"]:
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
    sys.exit(f"no {data} test images found; give --data-dir")


def psnr(mse):
    return 10 * math.log10(1 / mse) if mse > 0 else None


def jpeg_payload(b):
    """Bytes of the entropy-coded scan: from after the SOS segment to the EOI marker."""
    i = b.find(b"\xff\xda")
    seg = struct.unpack(">H", b[i + 2:i + 4])[0]
    return len(b) - (i + 2 + seg) - 2


def webp_payload(b):
    """Bytes of the VP8 / VP8L bitstream inside the RIFF container (frame header excluded)."""
    pos = 12
    while pos + 8 <= len(b):
        tag, size = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
        if tag == b"VP8 ":
            return size - 10
        if tag == b"VP8L":
            return size - 5
        pos += 8 + size + (size & 1)
    return len(b)


def codec_points(images, codec, qualities):
    points = []
    for q in qualities:
        total = payload = 0
        sq = 0.0
        for img in images:
            buf = io.BytesIO()
            im = Image.fromarray(img, mode="L")
            if codec == "PNG":
                im.save(buf, format="PNG", optimize=True)
            elif codec == "JPEG":
                im.save(buf, format="JPEG", quality=q)
            else:
                im.save(buf, format="WEBP", quality=q, method=6)
            b = buf.getvalue()
            total += len(b)
            payload += {"PNG": lambda x: len(x), "JPEG": jpeg_payload, "WEBP": webp_payload}[codec](b)
            back = np.asarray(Image.open(io.BytesIO(b)).convert("L"), dtype=np.float64) / 255
            sq += float(((back - img / 255.0) ** 2).sum())
        n = len(images)
        mse = sq / (n * images[0].size)
        points.append({"codec": codec, "quality": q, "bits_per_image": 8 * total / n,
                       "payload_bits_per_image": 8 * payload / n, "psnr_db": psnr(mse), "mse_per_dim": mse})
    return points


def rda_points(rda, sweep, data, data_dir, count, channel):
    points = []
    for run in sorted(glob.glob(os.path.join(sweep, "lambda-*")), key=lambda p: float(p.split("lambda-")[1])):
        if not os.path.exists(os.path.join(run, "model.safetensors")):
            continue
        lam = float(run.split("lambda-")[1])
        if channel == "quantized":
            with tempfile.TemporaryDirectory() as tmp:
                args = [rda, "compress", "--model", run, "--data", data, "--count", str(count),
                        "--out", os.path.join(tmp, "x.rdac"), "--json"] + (["--data-dir", data_dir] if data_dir else [])
                s = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
            points.append({"codec": "rda quantized (coded file)", "lambda": lam, "bits_per_image": s["bits_per_image"],
                           "payload_bits_per_image": s["payload_bits"] / s["images"], "psnr_db": s["psnr_db"],
                           "estimated_bits_per_image": s["estimated_bits_per_image"], "mse_per_dim": s["mse_per_dim"],
                           "images_per_sec": s["images_per_sec"]})
        else:
            e = json.load(open(os.path.join(run, "eval.json")))
            points.append({"codec": "rda gaussian (rate, not coded)", "lambda": lam, "bits_per_image": e["rate_bits"],
                           "psnr_db": e["psnr_db"], "mse_per_dim": e["mse_per_dim"]})
    return points


def bound_points(rda, data, data_dir, lambdas, dims):
    """The Gaussian-covariance bound at the sweep's lambdas (`rda bound` prints one JSON object)."""
    args = [rda, "bound", "--data", data, "--lambdas", ",".join(str(l) for l in lambdas)] + (["--data-dir", data_dir] if data_dir else [])
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"rda bound failed: {r.stderr.strip()}", file=sys.stderr)
        return []
    at = json.loads(r.stdout)["at_lambdas"]
    out = []
    for lam, rate, dist in zip(at["lambda"], at["rate_nats"], at["distortion"]):
        mse = dist / dims
        out.append({"codec": "Gaussian-covariance bound", "lambda": lam, "bits_per_image": rate / math.log(2),
                    "psnr_db": psnr(mse), "mse_per_dim": mse})
    return out


def chart(points, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.2))
    styles = {"rda quantized (coded file)": ("o-", "C3"), "rda gaussian (rate, not coded)": ("s--", "C0"),
              "Gaussian-covariance bound": (":", "0.4"), "JPEG": ("^-", "C1"), "WEBP": ("v-", "C2"),
              "JPEG payload": ("^:", "C1"), "WEBP payload": ("v:", "C2")}
    groups = {}
    for p in points:
        if p["codec"] == "PNG" or p["psnr_db"] is None:
            continue
        groups.setdefault(p["codec"], []).append((p["bits_per_image"], p["psnr_db"]))
        if p["codec"] in ("JPEG", "WEBP"):
            groups.setdefault(p["codec"] + " payload", []).append((p["payload_bits_per_image"], p["psnr_db"]))
    for name, xy in groups.items():
        xy.sort()
        style, color = styles.get(name, ("o-", None))
        ax.plot([x for x, _ in xy], [y for _, y in xy], style, color=color, label=name, markersize=4)
    png = [p for p in points if p["codec"] == "PNG"]
    if png:
        ax.axvline(png[0]["bits_per_image"], color="0.6", lw=1)
        ax.text(png[0]["bits_per_image"], ax.get_ylim()[0] + 0.5, " PNG (lossless)", color="0.4", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("bits per image (log scale)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, format="svg")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rda", required=True)
    ap.add_argument("--data", default="mnist")
    ap.add_argument("--data-dir")
    ap.add_argument("--quantized", required=True)
    ap.add_argument("--gaussian")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--out")
    a = ap.parse_args()
    out = a.out or os.path.join(os.path.dirname(__file__), "..", "docs", "images")
    os.makedirs(out, exist_ok=True)
    images = read_idx(find_test_images(a.data, a.data_dir))[:a.count]
    dims = images[0].size
    points = rda_points(a.rda, a.quantized, a.data, a.data_dir, a.count, "quantized")
    lambdas = [p["lambda"] for p in points]
    if a.gaussian:
        g = rda_points(a.rda, a.gaussian, a.data, a.data_dir, a.count, "gaussian")
        points += g
        lambdas = sorted(set(lambdas + [p["lambda"] for p in g]))
    points += bound_points(a.rda, a.data, a.data_dir, lambdas, dims)
    points += codec_points(images, "PNG", [None])
    points += codec_points(images, "JPEG", [1, 5, 10, 20, 30, 50, 75, 90])
    points += codec_points(images, "WEBP", [0, 5, 10, 20, 30, 50, 75, 90])
    base = os.path.join(out, f"{a.data}-codecs")
    json.dump(points, open(base + ".json", "w"), indent=1)
    keys = ["codec", "quality", "lambda", "bits_per_image", "payload_bits_per_image", "estimated_bits_per_image", "psnr_db", "mse_per_dim"]
    with open(base + ".csv", "w") as f:
        f.write(",".join(keys) + "\n")
        for p in points:
            f.write(",".join("" if p.get(k) is None else str(p[k]) for k in keys) + "\n")
    chart(points, base + ".svg", f"{a.data}: bits per image against PSNR ({len(images)} test images)")
    for p in points:
        print(json.dumps(p))


if __name__ == "__main__":
    main()
