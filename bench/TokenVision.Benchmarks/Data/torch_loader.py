"""Reference for DataLoaderBenchmarks: torch's DataLoader on Fashion-MNIST train with torchvision's RandAugment
(num_ops=2, magnitude=9; timm is not installed here), horizontal flip, ToTensor and Normalize, batch 256, shuffled.

Usage: /usr/bin/python3 bench/TokenVision.Benchmarks/Data/torch_loader.py [--workers 0 1 2] [--batches 40]
Prints samples per second for each worker count (workers are processes here, threads in TokenVision).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms


def find_shared():
    if os.environ.get("TOKENVISION_SHARED"):
        return os.environ["TOKENVISION_SHARED"]
    d = os.path.abspath(os.path.dirname(__file__))
    while True:
        if os.path.isdir(os.path.join(d, "shared", "data")):
            return os.path.join(d, "shared")
        parent = os.path.dirname(d)
        if parent == d:
            raise SystemExit("shared/data not found; set TOKENVISION_SHARED")
        d = parent


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class FashionMnist(torch.utils.data.Dataset):
    def __init__(self, root, transform):
        self.images = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"))
        self.labels = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz"))
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i], "L")), int(self.labels[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--batches", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(1)
    transform = transforms.Compose([
        transforms.RandAugment(num_ops=2, magnitude=9),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.2860], [0.3530]),
    ])
    ds = FashionMnist(os.path.join(find_shared(), "data", "fashion-mnist"), transform)
    for workers in args.workers:
        loader = torch.utils.data.DataLoader(ds, batch_size=256, shuffle=True, num_workers=workers)
        t = time.perf_counter()
        n = 0
        for i, (x, y) in enumerate(loader):
            n += len(y)
            if i + 1 == args.batches:
                break
        dt = time.perf_counter() - t
        print(f"torch {torch.__version__} DataLoader workers={workers}: {n / dt:,.0f} samples/s ({n} samples, {dt:.2f} s)")


if __name__ == "__main__":
    main()
