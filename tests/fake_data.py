"""Tiny datasets in the real on-disk formats, for testing the real loaders offline."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np


def write_cifar10(root: Path, n_per_batch: int = 4, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    base = root / "cifar-10-batches-py"
    base.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n_per_batch).tolist()
        with open(base / name, "wb") as f:
            pickle.dump({"data": data, "labels": labels, "batch_label": name}, f)
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)]}, f)
    return base


def write_cifar100(root: Path, n: int = 6, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    base = root / "cifar-100-python"
    base.mkdir(parents=True)
    for name in ("train", "test"):
        with open(base / name, "wb") as f:
            pickle.dump({"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         "fine_labels": rng.integers(0, 100, n).tolist(),
                         "coarse_labels": rng.integers(0, 20, n).tolist()}, f)
    with open(base / "meta", "wb") as f:
        pickle.dump({"fine_label_names": [f"c{i}" for i in range(100)]}, f)
    return base


def write_stl10(root: Path, n: int = 3, seed: int = 0) -> tuple[Path, np.ndarray]:
    """STL-10 binaries: images stored column-major (N, 3, 96, 96) with W and H swapped; labels 1..10."""
    rng = np.random.default_rng(seed)
    base = root / "stl10_binary"
    base.mkdir(parents=True)
    images = rng.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)
    images[:, :, 0, 5] = 255  # a marker at row 0, column 5 to check the orientation
    images[:, :, 5, 0] = 0
    for prefix in ("train", "test", "unlabeled"):
        np.ascontiguousarray(images.transpose(0, 1, 3, 2)).tofile(base / f"{prefix}_X.bin")
    for prefix in ("train", "test"):
        np.arange(1, n + 1, dtype=np.uint8).tofile(base / f"{prefix}_y.bin")
    (base / "class_names.txt").write_text("\n".join(f"class{i}" for i in range(10)) + "\n")
    (base / "fold_indices.txt").write_text("\n".join(" ".join(str(j) for j in range(n)) for _ in range(10)) + "\n")
    return base, images


def write_imagefolder(root: Path, classes=("cat", "dog"), per_class: int = 3, size: int = 40, split: str = "train", seed: int = 0) -> Path:
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c in classes:
        folder = root / split / c
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size + 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{c}_{i}.JPEG", quality=95)
    return root / split
