"""Two-view augmentations: the SimCLR / BYOL recipe.

Each training image is turned into two random *views*; the methods learn features
that agree across views, so the augmentations define what the features must ignore:
random resized crop (position, scale), horizontal flip, colour jitter (p=0.8),
grayscale (p=0.2) and, for images of 96 px or more, Gaussian blur (p=0.5).

Two implementations of one recipe:

* ``two_view_transform``: torchvision transforms v2, per image, for a DataLoader
  (any dataset, including ImageFolder with variable image sizes).
* ``BatchTwoViewAugment``: kornia, a whole uint8 batch at once on its device with
  per-sample random parameters. It keeps small datasets resident in memory (or on
  the GPU) and removes the CPU data-loading bottleneck.

Example:
    >>> import torch
    >>> aug = BatchTwoViewAugment(32, mean=(0.5,) * 3, std=(0.25,) * 3)
    >>> v1, v2 = aug(torch.zeros(4, 3, 32, 32, dtype=torch.uint8))
    >>> tuple(v1.shape), v1.dtype
    ((4, 3, 32, 32), torch.float32)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torchvision.transforms import v2

from ssl_course.models import Normalize


@dataclass(frozen=True)
class AugmentConfig:
    """The recipe's knobs; defaults follow SimCLR/BYOL for small images."""

    crop_scale: tuple[float, float] = (0.2, 1.0)  # ImageNet uses (0.08, 1.0)
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.1)  # brightness, contrast, saturation, hue
    jitter_p: float = 0.8
    grayscale_p: float = 0.2
    flip_p: float = 0.5
    blur_p: float = 0.5
    blur_min_size: int = 96  # blur only helps on larger images (SimCLR leaves it out on CIFAR)


def _check_size(size: int) -> int:
    if not isinstance(size, int) or size < 8:
        raise ValueError(f"image size must be an integer >= 8, got {size!r}")
    return size


def _blur_kernel(size: int) -> int:
    return max(3, int(0.1 * size) // 2 * 2 + 1)  # ~10% of the image, odd


class TwoViews:
    """Apply one random transform twice: ``image -> (view1, view2)``."""

    def __init__(self, transform):
        self.transform = transform

    def __call__(self, image):
        return self.transform(image), self.transform(image)

    def __repr__(self) -> str:
        return f"TwoViews({self.transform})"


def view_transform(size: int, mean, std, config: AugmentConfig = AugmentConfig()) -> v2.Compose:
    """One random view of a uint8/PIL image as a normalised float tensor (torchvision v2)."""
    size = _check_size(size)
    ops = [
        v2.ToImage(),
        v2.RandomResizedCrop(size, scale=config.crop_scale, antialias=True),
        v2.RandomHorizontalFlip(config.flip_p),
        v2.RandomApply([v2.ColorJitter(*config.jitter)], p=config.jitter_p),
        v2.RandomGrayscale(config.grayscale_p),
    ]
    if size >= config.blur_min_size:
        ops.append(v2.RandomApply([v2.GaussianBlur(_blur_kernel(size), sigma=(0.1, 2.0))], p=config.blur_p))
    ops += [v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(mean), list(std))]
    return v2.Compose(ops)


def two_view_transform(size: int, mean, std, config: AugmentConfig = AugmentConfig()) -> TwoViews:
    """The two-view pipeline for a Dataset's ``transform`` (torchvision v2)."""
    return TwoViews(view_transform(size, mean, std, config))


def eval_transform(size: int, mean, std) -> v2.Compose:
    """Deterministic evaluation transform: resize the short side, centre crop, normalise."""
    size = _check_size(size)
    return v2.Compose([
        v2.ToImage(),
        v2.Resize(size, antialias=True),
        v2.CenterCrop(size),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(list(mean), list(std)),
    ])


class BatchTwoViewAugment(nn.Module):
    """The same recipe, batched with kornia: uint8 (B, 3, H, W) -> two float views (B, 3, size, size).

    Every sample draws its own crop, flip, jitter, grayscale and blur parameters.
    Runs wherever the batch is (CPU or GPU); call ``torch.manual_seed`` for
    reproducible views.
    """

    def __init__(self, size: int, mean, std, config: AugmentConfig = AugmentConfig()):
        super().__init__()
        import kornia.augmentation as K

        size = _check_size(size)
        self.size = size
        ops = [
            K.RandomResizedCrop((size, size), scale=config.crop_scale),
            K.RandomHorizontalFlip(p=config.flip_p),
            K.ColorJitter(*config.jitter, p=config.jitter_p),
            K.RandomGrayscale(p=config.grayscale_p),
        ]
        if size >= config.blur_min_size:
            k = _blur_kernel(size)
            ops.append(K.RandomGaussianBlur((k, k), (0.1, 2.0), p=config.blur_p))
        self.view = nn.Sequential(*ops)
        self.normalize = Normalize(mean, std)
        self.identity = Normalize((0.0,) * 3, (1.0,) * 3)

    def one_view(self, images: torch.Tensor) -> torch.Tensor:
        x = self.identity(images)  # checks shape, uint8 -> [0, 1] float
        return self.normalize(self.view(x))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.one_view(images), self.one_view(images)
