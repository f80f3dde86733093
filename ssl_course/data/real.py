"""Real datasets through torchvision: CIFAR-10/100, STL-10 and an ImageNet-style ImageFolder.

torchvision's classes do the reading. We change only two things: images come out
as uint8 tensors (3, H, W), and the presence check does not hash the archives
(md5 of 2.6 GB of STL-10 at every start is slow; torchvision's own classes still hash),
so a missing file yields a one-line message naming the files and where they go.

An ImageFolder (``RobustImageFolder``) survives undecodable files: a corrupt JPEG is
replaced by the next readable sample, logged with its path once and counted. One bad file
must not end a multi-hour run, but many mean the data is wrong: past ``max_bad_share`` of
the folder it stops with one line naming the first bad files. ``strict=True``
(``--strict-images``) makes any bad file an error.
"""
from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Callable

import torch
from torchvision import datasets
from torchvision.io import ImageReadMode, decode_image, read_file
from torchvision.transforms import v2


class DatasetNotFoundError(FileNotFoundError):
    """A real dataset's files are missing; the message says what to put where."""


WHERE = {
    "cifar10": "{root}/cifar-10-batches-py/ with data_batch_1..5, test_batch, batches.meta "
    "(the extracted cifar-10-python.tar.gz)",
    "cifar100": "{root}/cifar-100-python/ with train, test, meta (the extracted cifar-100-python.tar.gz)",
    "stl10": "{root}/stl10_binary/ with train_X.bin, train_y.bin, test_X.bin, test_y.bin, unlabeled_X.bin, "
    "class_names.txt, fold_indices.txt (the extracted stl10_binary.tar.gz)",
    "imagefolder": "{root}/{split}/<class>/<image>.JPEG (ImageNet layout, one folder per class)",
}


def _missing(name: str, root: Path, split: str, detail: str = "") -> DatasetNotFoundError:
    where = WHERE[name].format(root=root, split=split)
    hint = "" if name == "imagefolder" else "; or pass download=True (--download) where there is internet"
    return DatasetNotFoundError(f"{name} not found{detail}: put {where}{hint}")


class _PresenceCheck:
    """Mixin: torchvision's integrity check without the hashing: are the files there?"""

    def _check_integrity(self) -> bool:  # noqa: D401 - torchvision's hook
        base = Path(self.root) / self.base_folder
        return all((base / entry[0]).is_file() for entry in self.train_list + self.test_list)


class _CifarMeta(_PresenceCheck):
    def _load_meta(self) -> None:
        path = Path(self.root) / self.base_folder / self.meta["filename"]
        if not path.is_file():
            raise RuntimeError("dataset metadata file not found")
        with open(path, "rb") as infile:
            self.classes = pickle.load(infile, encoding="latin1")[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}


class CIFAR10(_CifarMeta, datasets.CIFAR10):
    pass


class CIFAR100(_CifarMeta, datasets.CIFAR100):
    pass


class STL10(_PresenceCheck, datasets.STL10):
    pass


def read_image_rgb(path: str) -> torch.Tensor:
    """Decode a JPEG/PNG file to a uint8 RGB tensor (3, H, W) with torchvision.io (no PIL round trip)."""
    return decode_image(read_file(path), mode=ImageReadMode.RGB)


class BadImagesError(ValueError):
    """Undecodable images: any with ``strict``, or more than ``max_bad_share`` of the folder."""


class RobustImageFolder(datasets.ImageFolder):
    """torchvision's ImageFolder that replaces an undecodable image by the next readable one.

    Each bad file is logged once (path and reason) on stderr and kept in ``bad``. Under a
    DataLoader every worker process keeps its own record, so the share is checked per worker,
    which sees a slice of the folder: the limit errs towards stopping early.
    """

    strict: bool = False
    max_bad_share: float = 0.01

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bad: dict[str, str] = {}

    def __getitem__(self, index: int):
        if not -len(self.samples) <= index < len(self.samples):
            raise IndexError(index)  # ends plain iteration (``for x in dataset``)
        for offset in range(len(self.samples)):
            i = (index + offset) % len(self.samples)
            path = self.samples[i][0]
            if path in self.bad:
                continue
            try:
                return super().__getitem__(i)
            except (RuntimeError, OSError, ValueError) as err:  # torchvision.io decode errors are RuntimeErrors
                self._record(path, err)
        raise BadImagesError(f"no readable image in {self.root}")

    def _record(self, path: str, err: Exception) -> None:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:120]
        if self.strict:
            raise BadImagesError(f"unreadable image {path} ({reason}); drop --strict-images to skip such files") from None
        self.bad[path] = reason
        print(f"ssl_course: skipped unreadable image {path} ({reason}); {len(self.bad)} so far", file=sys.stderr, flush=True)
        if len(self.bad) > self.max_bad_share * len(self.samples):
            first = ", ".join(list(self.bad)[:3])
            raise BadImagesError(f"{len(self.bad)} unreadable images in {self.root} (more than "
                                 f"{self.max_bad_share:.0%} of {len(self.samples)}), first: {first}") from None


def _imagefolder(root: Path, split: str, transform) -> datasets.ImageFolder:
    folder = root / split
    if not folder.is_dir():
        raise _missing("imagefolder", root, split, f" (no folder {folder})")
    try:
        return RobustImageFolder(str(folder), transform=transform, loader=read_image_rgb)
    except FileNotFoundError as err:  # torchvision: no class folders or no images in them
        raise _missing("imagefolder", root, split, f" ({str(err).splitlines()[0]})") from None


def load_real(name: str, split: str, root: Path, download: bool, transform: Callable | None):
    """Open one of the real datasets; see ``ssl_course.data.load_dataset``."""
    if name == "imagefolder":
        return _imagefolder(root, split, transform)
    transform = transform if transform is not None else v2.PILToTensor()
    classes = {"cifar10": CIFAR10, "cifar100": CIFAR100, "stl10": STL10}
    kwargs = {"split": split} if name == "stl10" else {"train": split == "train"}
    try:
        return classes[name](str(root), download=download, transform=transform, **kwargs)
    except RuntimeError as err:
        if "not found" in str(err).lower() or "corrupted" in str(err).lower():
            raise _missing(name, root, split) from None
        raise
    except (OSError, ValueError) as err:  # truncated or foreign files
        raise DatasetNotFoundError(f"{name} under {root} could not be read ({err}); expected {WHERE[name].format(root=root, split=split)}") from None
