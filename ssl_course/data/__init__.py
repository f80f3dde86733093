"""Datasets: one entry point, ``load_dataset(name, split)``.

Built in (offline, deterministic): ``shapes`` (procedural, the course default),
``shapes-100k`` (the same 10 000 labelled images followed by 90 000 more, unlabelled: for
studies that vary the amount of training data, evaluated on exactly ``shapes``' sets) and
``digits`` (scikit-learn's bundled handwritten digits, upscaled to 32x32).
Real datasets through torchvision: ``cifar10``, ``cifar100``, ``stl10`` and
``imagefolder`` (ImageNet layout: ``root/<split>/<class>/<image>``).

Every dataset yields ``(image, label)`` with ``image`` a uint8 tensor (3, H, W)
unless a ``transform`` is given. ``as_tensors`` turns an in-memory dataset into
one uint8 tensor so that augmentation can run batched (see ``ssl_course.augment``).

Example:
    >>> ds = load_dataset("shapes", "test")
    >>> image, label = ds[0]
    >>> tuple(image.shape), image.dtype, ds.classes[label]
    ((3, 32, 32), torch.uint8, 'frame')
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from ssl_course.data.real import DatasetNotFoundError, load_real
from ssl_course.data.shapes import CLASSES as SHAPES_CLASSES
from ssl_course.data.shapes import generate_shapes

__all__ = [
    "ArrayDataset",
    "DatasetNotFoundError",
    "DatasetSpec",
    "as_tensors",
    "dataset_names",
    "dataset_spec",
    "load_dataset",
]


@dataclass(frozen=True)
class DatasetSpec:
    """What a trainer needs to know about a dataset before touching its files."""

    name: str
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    splits: tuple[str, ...]
    train_split: str = "train"
    test_split: str = "test"
    labelled_split: str = "train"  # the training images with labels: kNN / linear-probe fitting


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
SPECS = {
    "shapes": DatasetSpec("shapes", 32, (0.491, 0.491, 0.491), (0.312, 0.312, 0.312), ("train", "test")),
    # STL-10's layout: train on train+unlabeled, label the first 10 000 (``shapes``' own train split)
    "shapes-100k": DatasetSpec("shapes-100k", 32, (0.491, 0.491, 0.491), (0.312, 0.312, 0.312),
                               ("train", "test", "unlabeled", "train+unlabeled"), train_split="train+unlabeled"),
    "digits": DatasetSpec("digits", 32, (0.305, 0.305, 0.305), (0.324, 0.324, 0.324), ("train", "test")),
    "cifar10": DatasetSpec("cifar10", 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), ("train", "test")),
    "cifar100": DatasetSpec("cifar100", 32, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), ("train", "test")),
    "stl10": DatasetSpec(
        "stl10", 96, (0.4467, 0.4398, 0.4066), (0.2603, 0.2566, 0.2713),
        ("train", "test", "unlabeled", "train+unlabeled"), train_split="train+unlabeled",
    ),
    "imagefolder": DatasetSpec("imagefolder", 224, IMAGENET_MEAN, IMAGENET_STD, ("train", "val"), test_split="val"),
}
SHAPES_SIZES = {"train": (10_000, 0), "test": (2_000, 1), "unlabeled": (90_000, 2)}  # split -> (images, seed)
DIGITS_TEST_FRACTION = 0.2


def dataset_names() -> list[str]:
    """All names ``load_dataset`` accepts."""
    return list(SPECS)


def dataset_spec(name: str) -> DatasetSpec:
    if name not in SPECS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(SPECS)}")
    return SPECS[name]


class ArrayDataset(Dataset):
    """An in-memory image dataset: uint8 images (N, H, W, 3) and integer labels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes, transform: Callable | None = None):
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must be (N, H, W, 3), got shape {tuple(images.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2)
        self.targets = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.classes = list(classes)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.targets[index])


def _load_shapes(split: str) -> ArrayDataset:
    parts = split.split("+")  # "train+unlabeled": the labelled images first, so train_subset takes them first
    arrays = [generate_shapes(*SHAPES_SIZES[part]) for part in parts]
    images = np.concatenate([images for images, _ in arrays])
    # unlabelled images carry -1 (as STL-10's): evaluation labels only the first 10 000
    labels = np.concatenate([labels if part != "unlabeled" else np.full_like(labels, -1)
                             for part, (_, labels) in zip(parts, arrays)])
    return ArrayDataset(images, labels, SHAPES_CLASSES)


def _load_digits(split: str) -> ArrayDataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.from_numpy(bunch.images / 16.0).float()[:, None]  # (N, 1, 8, 8) in [0, 1]
    images = torch.nn.functional.interpolate(images, size=(32, 32), mode="bilinear", align_corners=False)
    images = (images.clamp(0, 1) * 255 + 0.5).to(torch.uint8).repeat(1, 3, 1, 1).permute(0, 2, 3, 1).numpy()
    order = np.random.default_rng(0).permutation(len(images))
    n_test = int(round(len(images) * DIGITS_TEST_FRACTION))
    idx = order[:n_test] if split == "test" else order[n_test:]
    return ArrayDataset(images[idx], bunch.target[idx], [str(d) for d in range(10)])


def load_dataset(
    name: str, split: str = "train", root: str | Path | None = None, download: bool = False, transform: Callable | None = None
) -> Dataset:
    """Load dataset ``name`` (see ``dataset_names()``) and its ``split``.

    ``root`` is where real datasets live (default ``~/data``); ``download=True``
    fetches them with torchvision where the machine has internet. Built-in datasets
    ignore both. A missing dataset raises ``DatasetNotFoundError`` whose one-line
    message says which files to put where.
    """
    spec = dataset_spec(name)
    if split not in spec.splits:
        raise ValueError(f"dataset {name!r} has no split {split!r}; valid splits: {', '.join(spec.splits)}")
    if name in ("shapes", "shapes-100k"):
        dataset = _load_shapes(split)
    elif name == "digits":
        dataset = _load_digits(split)
    else:
        root = Path(root).expanduser() if root is not None else Path("~/data").expanduser()
        return load_real(name, split, root, download, transform)
    dataset.transform = transform
    return dataset


def as_tensors(dataset: Dataset, size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """All images as one uint8 tensor (N, 3, H, W) and labels (N,), without copying where possible.

    In-memory datasets (built-in, CIFAR, STL-10) are converted directly; others are
    read item by item and resized to ``size`` (required then).
    """
    if isinstance(dataset, ArrayDataset):
        return dataset.images, dataset.targets
    data = getattr(dataset, "data", None)
    if isinstance(data, np.ndarray) and data.ndim == 4:
        images = torch.from_numpy(data)
        if images.shape[-1] == 3:  # CIFAR stores N, H, W, C
            images = images.permute(0, 3, 1, 2)
        labels = getattr(dataset, "targets", None)
        if labels is None:
            labels = getattr(dataset, "labels")
        return images, torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if size is None:
        raise ValueError("as_tensors needs `size` for datasets that are not held in memory")
    from torchvision.transforms.v2 import functional as TF

    images, labels = [], []
    for image, label in dataset:
        images.append(TF.resize(TF.center_crop(image, min(image.shape[-2:])), [size, size], antialias=True))
        labels.append(label)
    return torch.stack(images), torch.as_tensor(labels, dtype=torch.long)


def train_size(name: str, root: str | None = None) -> int:
    """Number of training images of a dataset (without generating or decoding them where possible)."""
    if name in ("shapes", "shapes-100k"):
        return sum(SHAPES_SIZES[part][0] for part in dataset_spec(name).train_split.split("+"))
    return len(load_dataset(name, dataset_spec(name).train_split, root=root))


def dataset_tensors(name: str = "shapes", root: str | None = None):
    """``((train images, labels), (test images, labels))`` of an in-memory dataset as uint8/long tensors."""
    spec = dataset_spec(name)
    return (as_tensors(load_dataset(name, spec.labelled_split, root=root)),
            as_tensors(load_dataset(name, spec.test_split, root=root)))
