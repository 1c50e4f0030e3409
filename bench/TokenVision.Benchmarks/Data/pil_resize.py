"""PIL's resize of the preprocessing photos, timed the way ResizeBenchmarks times ours (same photos, sizes, filters).

Usage: python3 bench/TokenVision.Benchmarks/Data/pil_resize.py [--shared PATH]
Prints the median and minimum milliseconds per resize over repeated batches.
"""
import argparse
import os
import statistics
import time

import numpy as np
import PIL
from PIL import Image


def find_shared():
    """TOKENVISION_SHARED, else the nearest ancestor folder holding shared/fixtures (as the C# benchmarks look)."""
    if os.environ.get("TOKENVISION_SHARED"):
        return os.environ["TOKENVISION_SHARED"]
    d = os.path.abspath(os.path.dirname(__file__))
    while True:
        if os.path.isdir(os.path.join(d, "shared", "fixtures")):
            return os.path.join(d, "shared")
        parent = os.path.dirname(d)
        if parent == d:
            raise SystemExit("shared/fixtures not found; set TOKENVISION_SHARED")
        d = parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=None)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    args.shared = args.shared or find_shared()
    for photo in ["china.jpg", "grace_hopper.jpg"]:
        im = Image.fromarray(np.load(os.path.join(args.shared, "fixtures/images/photos", photo + ".npy")))
        w, h = im.size
        for name, filt, size in [("bicubic-248", Image.BICUBIC, 248), ("bilinear-256", Image.BILINEAR, 256)]:
            nw, nh = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
            for _ in range(5):
                im.resize((nw, nh), filt)
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                for _ in range(10):
                    im.resize((nw, nh), filt)
                times.append((time.perf_counter() - t) / 10 * 1e3)
            print(f"PIL {PIL.__version__} {photo:18} {name:13} {nw}x{nh}: "
                  f"median {statistics.median(times):.3f} ms, min {min(times):.3f} ms")


if __name__ == "__main__":
    main()
