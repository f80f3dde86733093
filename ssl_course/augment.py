"""Two-view augmentations: the SimCLR / BYOL recipe.

Each training image is turned into two random *views*; the methods learn features
that agree across views, so the augmentations define what the features must ignore:
random resized crop (position, scale), horizontal flip, colour jitter (p=0.8),
grayscale (p=0.2) and, for images of 96 px or more, Gaussian blur (p=0.5).

Two implementations of one recipe:

* ``two_view_transform``: torchvision transforms v2, per image, for a DataLoader
  (any dataset, including ImageFolder with variable image sizes).
* ``BatchTwoViewAugment``: a whole uint8 batch at once on its device (CPU or GPU) with
  per-sample random parameters, in a few tensor operations (``crop_boxes``,
  ``resized_crop``, ``color_jitter``). It keeps small datasets resident in memory (or
  on the GPU) and removes the data-loading bottleneck.

Example:
    >>> import torch
    >>> aug = BatchTwoViewAugment(32, mean=(0.5,) * 3, std=(0.25,) * 3)
    >>> v1, v2 = aug(torch.zeros(4, 3, 32, 32, dtype=torch.uint8))
    >>> tuple(v1.shape), v1.dtype
    ((4, 3, 32, 32), torch.float32)
"""
from __future__ import annotations

import math
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


# Luma and the two chroma axes (YIQ): hue is a rotation of (I, Q) that keeps the luma Y.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)
_RATIO = (3 / 4, 4 / 3)  # RandomResizedCrop's aspect ratios


def _uniform(shape, low, high, device) -> torch.Tensor:
    return torch.rand(shape, device=device) * (high - low) + low


def crop_boxes(batch: int, height: int, width: int, scale: tuple[float, float], device=None, attempts: int = 10):
    """RandomResizedCrop's boxes for a whole batch: (x0, y0, w, h) per sample, in pixels.

    torchvision's rule, vectorised: draw an area fraction in ``scale`` and a log-uniform aspect
    ratio in [3/4, 4/3]; keep the first of ``attempts`` draws that fits the image, else the whole
    image (clipped to that ratio range); then a uniform position.
    """
    area = _uniform((attempts, batch), *scale, device) * height * width
    ratio = torch.exp(_uniform((attempts, batch), *[math.log(r) for r in _RATIO], device))
    w, h = torch.sqrt(area * ratio), torch.sqrt(area / ratio)
    fits = (w <= width) & (h <= height)
    first = fits.float().argmax(0)  # the first draw that fits (0 when none does; handled below)
    w, h = w.gather(0, first[None])[0], h.gather(0, first[None])[0]
    whole_w = min(float(width), height * _RATIO[1])
    whole_h = min(float(height), width / _RATIO[0])
    none_fits = ~fits.any(0)
    w = torch.where(none_fits, torch.full_like(w, whole_w), w)
    h = torch.where(none_fits, torch.full_like(h, whole_h), h)
    x0 = torch.rand(batch, device=device) * (width - w)
    y0 = torch.rand(batch, device=device) * (height - h)
    return torch.stack([x0, y0, w, h], 1)


def resized_crop(images: torch.Tensor, boxes: torch.Tensor, size: int, flip: torch.Tensor | None = None) -> torch.Tensor:
    """Crop each float image to its box (x0, y0, w, h) and resize it to ``size`` (bilinear), mirrored where
    ``flip``: one ``affine_grid`` + ``grid_sample`` for the whole batch."""
    batch, channels, height, width = images.shape
    x0, y0, w, h = boxes.unbind(1)
    theta = torch.zeros(batch, 2, 3, device=images.device)
    theta[:, 0, 0] = w / width * (1 - 2 * flip.float() if flip is not None else 1)
    theta[:, 0, 2] = (2 * x0 + w) / width - 1  # the box centre in [-1, 1] coordinates
    theta[:, 1, 1] = h / height
    theta[:, 1, 2] = (2 * y0 + h) / height - 1
    grid = nn.functional.affine_grid(theta, [batch, channels, size, size], align_corners=False)
    return nn.functional.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _gray(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 1:  # one channel of a grey image is its luma
        return x
    return (x * _RGB_TO_YIQ[0].to(x.device).view(1, 3, 1, 1)).sum(1, keepdim=True)


def _blend(x: torch.Tensor, other: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    factor = factor.view(-1, 1, 1, 1)
    return (factor * x + (1 - factor) * other).clamp(0, 1)


# ColorJitter's four adjustments on float images (B, 3, H, W) in [0, 1], one factor per image; the first
# three are torchvision's definitions: blends with black, the image's mean grey and its grey image
def adjust_brightness(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return _blend(x, torch.zeros_like(x), factor)


def adjust_contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return _blend(x, _gray(x).mean((1, 2, 3), keepdim=True), factor)


def adjust_saturation(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return _blend(x, _gray(x), factor)


def adjust_hue(x: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    """Rotate each image's hue by ``turns`` (a fraction of the colour wheel) in YIQ space, keeping its luma:
    one 3x3 colour matrix per image instead of a round trip through HSV."""
    angle = -turns * 2 * math.pi  # in (I, Q) this way round, red turns towards green as in HSV
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotation = torch.zeros(len(x), 3, 3, device=x.device)
    rotation[:, 0, 0] = 1
    rotation[:, 1, 1], rotation[:, 1, 2], rotation[:, 2, 1], rotation[:, 2, 2] = cos, -sin, sin, cos
    matrix = _YIQ_TO_RGB.to(x.device) @ rotation @ _RGB_TO_YIQ.to(x.device)  # (B, 3, 3): RGB -> rotated RGB
    return torch.einsum("bij,bjhw->bihw", matrix, x).clamp(0, 1)


def color_jitter(x: torch.Tensor, strength: tuple[float, float, float, float], p: float) -> torch.Tensor:
    """ColorJitter: each image with probability ``p`` gets its own brightness, contrast and saturation factor
    in [1 - s, 1 + s] and hue shift in [-h, h] turns, applied in one random order per call.

    One channel (B, 1, H, W) is taken as grey images (R = G = B): saturation and hue leave a grey image as
    it is, so only brightness and contrast are applied; every random number is still drawn, so the
    views are the colour path's, made on a third of the pixels."""
    brightness, contrast, saturation, hue = strength
    batch, device = len(x), x.device

    def factors(amount: float) -> torch.Tensor:
        return _uniform(batch, max(0.0, 1 - amount), 1 + amount, device)

    steps = [(adjust_brightness, factors(brightness)), (adjust_contrast, factors(contrast)),
             (adjust_saturation, factors(saturation)), (adjust_hue, _uniform(batch, -hue, hue, device))]
    jittered = x
    for index in torch.randperm(4).tolist():
        adjust, factor = steps[index]
        if x.shape[1] == 1 and adjust in (adjust_saturation, adjust_hue):
            continue
        jittered = adjust(jittered, factor)
    chosen = torch.rand(batch, device=device) < p
    return torch.where(chosen.view(-1, 1, 1, 1), jittered, x)


def grayscale(x: torch.Tensor, p: float) -> torch.Tensor:
    """Each image turned grey (its luma in all three channels) with probability ``p``."""
    chosen = torch.rand(len(x), device=x.device) < p
    if x.shape[1] == 1:  # already grey: the draw is kept so that the random stream stays the colour path's
        return x
    return torch.where(chosen.view(-1, 1, 1, 1), _gray(x).expand_as(x), x)


def _kornia_blur(size: int, config: AugmentConfig):
    """The recipe's Gaussian blur (kornia, per sample) for images of ``blur_min_size`` px or more; else None."""
    if size < config.blur_min_size:
        return None
    import kornia.augmentation as K

    k = _blur_kernel(size)
    return K.RandomGaussianBlur((k, k), (0.1, 2.0), p=config.blur_p)


class _TwoBatchViews(nn.Module):
    """What both batched pipelines share: the size check, [0, 1] conversion and normalisation, and
    ``forward`` = two independent ``one_view`` draws of the same images."""

    grey = False  # True: the images are grey and both views are made on their first channel

    def __init__(self, size: int, mean, std):
        super().__init__()
        self.size = _check_size(size)
        self.normalize = Normalize(mean, std)
        self.identity = Normalize((0.0,) * 3, (1.0,) * 3)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # checks shape, uint8 -> [0, 1] float, once for both views (of the first channel only, for grey data)
        x = self.identity.one_channel(images) if self.grey else self.identity(images)
        return self.one_view(x), self.one_view(x)


class BatchTwoViewAugment(_TwoBatchViews):
    """The same recipe for a whole uint8 batch (B, 3, H, W) -> two float views (B, 3, size, size).

    Every sample draws its own crop, flip, jitter and grayscale; all of it is a handful of tensor
    operations per batch (one ``grid_sample`` for crop, resize and flip; jitter as blends and a 3x3
    colour matrix), so it runs wherever the batch is, CPU or GPU, and faster than kornia's
    augmentation modules (``KorniaTwoViewAugment``) on a CPU (``benchmarks/augment_speed.py`` measures
    both; docs/decisions.md, "Faster views"). Hue is rotated in YIQ space (luma kept) rather than through
    HSV. Blur, for images of 96 px or more, is kornia's. Call ``torch.manual_seed`` for
    reproducible views.

    ``grey=True`` (for data whose every image has R = G = B, such as ``shapes``; ``is_grey`` tells) makes
    the views on one channel and copies it into three at the end: the same views, up to float rounding,
    for a third of the work, since saturation, hue and grayscale do nothing to a grey image.
    """

    def __init__(self, size: int, mean, std, config: AugmentConfig = AugmentConfig(), grey: bool = False):
        super().__init__(size, mean, std)
        self.config, self.grey = config, grey
        self.blur = _kornia_blur(self.size, config)

    def one_view(self, images: torch.Tensor) -> torch.Tensor:
        """One view of uint8 images, or of float images already in [0, 1]."""
        # checks shape, uint8 -> [0, 1] float; grey images: of their first channel only
        x = self.identity(images) if not self.grey else self.identity.one_channel(images)
        config, batch, device = self.config, len(x), x.device
        boxes = crop_boxes(batch, x.shape[-2], x.shape[-1], config.crop_scale, device)
        x = resized_crop(x, boxes, self.size, flip=torch.rand(batch, device=device) < config.flip_p)
        x = grayscale(color_jitter(x, config.jitter, config.jitter_p), config.grayscale_p)
        if self.blur is not None:
            x = self.blur(x.expand(-1, 3, -1, -1) if self.grey else x)
        return self.normalize(x, grey=self.grey)  # one grey channel is normalised into all three

    def extra_repr(self) -> str:
        return (f"size={self.size}, {self.config}" + (", GaussianBlur" if self.blur is not None else "")
                + (", grey" if self.grey else ""))


def is_grey(images: torch.Tensor) -> bool:
    """Whether every image of a (N, 3, H, W) batch has R = G = B."""
    return bool(torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2]))


class KorniaTwoViewAugment(_TwoBatchViews):
    """The same recipe with kornia's augmentation modules (``augment="kornia"``): the library's reference
    for ``BatchTwoViewAugment`` (``augment="kornia"``; a run's table names the views it was trained with)."""

    def __init__(self, size: int, mean, std, config: AugmentConfig = AugmentConfig()):
        super().__init__(size, mean, std)
        import kornia.augmentation as K

        size = self.size
        ops = [
            K.RandomResizedCrop((size, size), scale=config.crop_scale),
            K.RandomHorizontalFlip(p=config.flip_p),
            K.ColorJitter(*config.jitter, p=config.jitter_p),
            K.RandomGrayscale(p=config.grayscale_p),
        ]
        blur = _kornia_blur(size, config)
        self.view = nn.Sequential(*ops, *([blur] if blur is not None else []))

    def one_view(self, images: torch.Tensor) -> torch.Tensor:
        """One view of uint8 images, or of float images already in [0, 1]."""
        return self.normalize(self.view(self.identity(images)))


# TrainConfig.augment -> the batched two-view pipeline of in-memory data
BATCH_AUGMENTS = {"torch": BatchTwoViewAugment, "kornia": KorniaTwoViewAugment}
