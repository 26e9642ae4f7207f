"""Photographs: rda's spatial quantized models (and, with --gaussian-models, Gaussian-channel models
coded by channel simulation) against JPEG (4:2:0), WebP and PNG, per image, in bits per pixel (bpp,
from the files' bytes) and PSNR over 8-bit RGB, with the BD-rate of each rda curve against JPEG and
WebP (scripts/bd_rate.py). Run through scripts/photos-vs-codecs."""
import argparse, glob, io, json, math, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bd_rate import bd_rate  # noqa: E402

JPEG_QUALITIES = [1, 3, 5, 8, 10, 15, 20, 30, 40, 50, 60, 75, 90, 95]
WEBP_QUALITIES = [0, 5, 10, 20, 30, 40, 50, 60, 75, 90, 100]


def load_rgb(path):
    from PIL import Image
    import numpy as np
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def psnr_rgb(a, b):
    import numpy as np
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse), mse


def codec_points(images, codec, qualities):
    from PIL import Image
    import numpy as np
    out = []
    for q in qualities:
        bpp, psnrs = [], []
        for name, rgb in images:
            buf = io.BytesIO()
            im = Image.fromarray(rgb)
            if codec == "JPEG":
                im.save(buf, "JPEG", quality=q, subsampling=2)
            elif codec == "WEBP":
                im.save(buf, "WEBP", quality=q, method=6)
            else:
                im.save(buf, "PNG", optimize=True)
            data = buf.getvalue()
            back = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            bpp.append(8 * len(data) / (rgb.shape[0] * rgb.shape[1]))
            psnrs.append(psnr_rgb(rgb, back)[0])
        finite = [p for p in psnrs if math.isfinite(p)]
        out.append({"codec": codec, "quality": q, "bpp": sum(bpp) / len(bpp),
                    "psnr_rgb": sum(finite) / len(finite) if finite else None, "images": len(images)})
    return out


def rda_points(rda, models, images, paths, codec="rda"):
    out = []
    for model in models:
        bpp, psnrs, enc, dec, est, channel = [], [], 0.0, 0.0, [], []
        for (name, rgb), path in zip(images, paths):
            tmp = tempfile.mkdtemp(prefix="rda-photos-")
            try:
                f = os.path.join(tmp, "image.rdac")
                t = time.time()
                r = subprocess.run([rda, "compress", "--model", model, "--image", path, "--out", f, "--json"],
                                   capture_output=True, text=True)
                enc += time.time() - t
                if r.returncode != 0:
                    sys.exit(f"rda compress --model {model} --image {path} failed: {r.stderr.strip()}")
                try:
                    summary = json.loads(r.stdout.strip().splitlines()[-1])
                    if "estimated_bpp" in summary:
                        est.append(summary["estimated_bpp"])
                    if "channel_psnr_rgb" in summary.get("channel_simulation", {}):
                        channel.append(summary["channel_simulation"]["channel_psnr_rgb"])
                except (ValueError, IndexError):
                    pass
                folder = os.path.join(tmp, "decoded") + "/"
                t = time.time()
                r = subprocess.run([rda, "decompress", f, "--model", model, "--out", folder], capture_output=True, text=True)
                dec += time.time() - t
                if r.returncode != 0:
                    sys.exit(f"rda decompress of {path} with {model} failed: {r.stderr.strip()}")
                decoded = sorted(glob.glob(os.path.join(folder, "*.png")))
                if len(decoded) != 1:
                    sys.exit(f"rda decompress wrote {len(decoded)} PNGs for one image ({folder})")
                back = load_rgb(decoded[0])
                if back.shape != rgb.shape:
                    sys.exit(f"{path}: decoded {back.shape}, original {rgb.shape}: the size did not come back")
                bpp.append(8 * os.path.getsize(f) / (rgb.shape[0] * rgb.shape[1]))
                psnrs.append(psnr_rgb(rgb, back)[0])
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        pixels = sum(rgb.shape[0] * rgb.shape[1] for _, rgb in images)
        point = {"codec": codec, "model": model, "bpp": sum(bpp) / len(bpp), "psnr_rgb": sum(psnrs) / len(psnrs),
                 "images": len(images), "encode_megapixels_per_s": pixels / 1e6 / max(enc, 1e-9),
                 "decode_megapixels_per_s": pixels / 1e6 / max(dec, 1e-9)}
        if len(est) == len(images):
            point["estimated_bpp"] = sum(est) / len(est)
        if len(channel) == len(images):
            point["channel_psnr_rgb"] = sum(channel) / len(channel)
        out.append(point)
    return out


def chart(points, bd, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.2))
    styles = (("rda", ("o-", "C3")), ("rda-gaussian", ("s-", "C0")), ("JPEG", ("^-", "C1")), ("WEBP", ("v-", "C2")))
    for codec, style in styles:
        xy = sorted((p["bpp"], p["psnr_rgb"]) for p in points if p["codec"] == codec and p["psnr_rgb"] is not None)
        if xy:
            label = {"rda": "rda spatial, quantized (coded file)", "rda-gaussian": "rda spatial, Gaussian: channel simulation (coded file)",
                     "JPEG": "JPEG 4:2:0", "WEBP": "WebP"}[codec]
            ax.plot([x for x, _ in xy], [y for _, y in xy], style[0], color=style[1], label=label, markersize=4)
    kl = sorted((p["estimated_bpp"], p["channel_psnr_rgb"]) for p in points if "estimated_bpp" in p and "channel_psnr_rgb" in p)
    if kl:
        ax.plot([x for x, _ in kl], [y for _, y in kl], "s:", color="C0", alpha=0.6, markersize=3,
                label="rda spatial, Gaussian: rate (KL) at the noisy channel's PSNR")
    png = [p for p in points if p["codec"] == "PNG"]
    if png:
        ax.axvline(png[0]["bpp"], color="0.6", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("bits per pixel (log scale)")
    ax.set_ylabel("PSNR over 8-bit RGB (dB)")
    sub = ", ".join((f"BD-rate of {k}" if " vs " in k else f"BD-rate vs {k}") + f": {v:+.1f}%" for k, v in bd.items() if v is not None)
    ax.set_title(title + ("\n" + sub if sub else ""), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, format="svg")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rda", required=True)
    ap.add_argument("--models", nargs="+", required=True, help="spatial quantized run folders (one per lambda)")
    ap.add_argument("--gaussian-models", nargs="*", default=[], help="spatial Gaussian-channel run folders, coded by channel simulation")
    ap.add_argument("--images", nargs="+", required=True, help="held-out photographs (PNG or JPEG)")
    ap.add_argument("--out", required=True, help="folder for photos.json, photos.csv, photos.svg")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    images = [(os.path.basename(p), load_rgb(p)) for p in a.images]
    points = rda_points(a.rda, a.models, images, a.images)
    points += rda_points(a.rda, a.gaussian_models, images, a.images, codec="rda-gaussian")
    points += codec_points(images, "PNG", [None])
    points += codec_points(images, "JPEG", JPEG_QUALITIES)
    points += codec_points(images, "WEBP", WEBP_QUALITIES)
    curve = lambda c: [(p["bpp"], p["psnr_rgb"]) for p in points if p["codec"] == c and p["psnr_rgb"] is not None]
    bd = {"JPEG": bd_rate(curve("JPEG"), curve("rda")), "WebP": bd_rate(curve("WEBP"), curve("rda"))}
    if a.gaussian_models:
        bd["channel simulation vs quantized"] = bd_rate(curve("rda"), curve("rda-gaussian"))
    json.dump({"images": [n for n, _ in images], "points": points, "bd_rate_percent": bd}, open(os.path.join(a.out, "photos.json"), "w"), indent=1)
    keys = ["codec", "quality", "model", "bpp", "estimated_bpp", "psnr_rgb", "channel_psnr_rgb", "encode_megapixels_per_s", "decode_megapixels_per_s"]
    with open(os.path.join(a.out, "photos.csv"), "w") as f:
        f.write(",".join(keys) + "\n")
        for p in points:
            f.write(",".join("" if p.get(k) is None else str(p[k]) for k in keys) + "\n")
    chart(points, bd, os.path.join(a.out, "photos.svg"), f"{len(images)} held-out photographs: bpp against PSNR")
    for p in points:
        print(json.dumps(p))
    for k, v in bd.items():
        label = f"BD-rate of {k}" if " vs " in k else f"BD-rate of rda against {k}"
        print(f"{label}: " + ("no overlapping PSNR range" if v is None else f"{v:+.1f}% (negative: smaller at equal PSNR)"))


if __name__ == "__main__":
    main()
