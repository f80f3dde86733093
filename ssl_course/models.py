"""Backbones and projection heads.

* ``resnet18`` / ``resnet50`` come from torchvision. For images of at most 64 px
  the stem is replaced by the CIFAR stem (3x3 stride-1 convolution, no max-pool),
  as in SimCLR/SimSiam/DirectPred's CIFAR and STL-10 experiments; otherwise a
  32 px image would shrink to 1x1 before the last stage.
* ``convnet``: a small 4-layer ConvNet, fast enough to train on a laptop CPU.
* ``projection_mlp``: the projector (Linear-BN-ReLU blocks; BN configurable).
* ``Normalize`` / ``check_images``: the input side every backbone and augmentation shares.

The prediction heads live in ``ssl_course.predictors``.

Example:
    >>> import torch
    >>> net = build_backbone("convnet", image_size=32)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 256])
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision import models as tvm

BACKBONES = ("convnet", "resnet18", "resnet50")
CIFAR_STEM_MAX_SIZE = 64


def check_images(images: torch.Tensor, size: int | None = None) -> None:
    """Raise a clear ValueError unless ``images`` is a (B, 3, H, W) batch (of ``size`` px, if given)."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"expected a batch of RGB images shaped (B, 3, H, W), got {tuple(images.shape)}")
    if size is not None and tuple(images.shape[-2:]) != (size, size):
        raise ValueError(f"expected {size}x{size} images, got {images.shape[-2]}x{images.shape[-1]}")


class Normalize(nn.Module):
    """uint8 or [0, 1] float batch -> normalised float batch."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor, grey: bool = False) -> torch.Tensor:
        """``grey``: ``images`` is one channel (B, 1, H, W) of grey images, normalised into all three."""
        if not grey:
            check_images(images)
        x = images.float() / 255 if images.dtype == torch.uint8 else images.float()
        return (x - self.mean.to(x.device)) / self.std.to(x.device)

    def one_channel(self, images: torch.Tensor) -> torch.Tensor:
        """The first channel of an RGB batch (B, 3, H, W), or a batch already cut to it, as [0, 1] floats;
        for grey images, where the three are equal."""
        if images.shape[1] == 3:
            check_images(images)
            images = images[:, :1]
        elif images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"expected grey images shaped (B, 3, H, W) or (B, 1, H, W), got {tuple(images.shape)}")
        return images.float() / 255 if images.dtype == torch.uint8 else images.float()


class Backbone(nn.Module):
    """An encoder ``images -> features (B, feature_dim)`` that checks its input.

    Float inputs are taken as already normalised (the augmentation pipelines
    normalise); uint8 inputs (raw images) are normalised here with the dataset's
    ``mean``/``std``, so evaluation can feed stored images directly.
    """

    def __init__(self, body: nn.Module, feature_dim: int, image_size: int, mean=(0.5,) * 3, std=(0.25,) * 3):
        super().__init__()
        self.body = body
        self.feature_dim = feature_dim
        self.image_size = image_size
        self.normalize = Normalize(mean, std)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images(images)
        if images.dtype == torch.uint8:
            images = self.normalize(images)
        return self.body(images)


def _conv_block(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


def convnet(width: int = 32) -> tuple[nn.Module, int]:
    """Four conv blocks (widths w, 2w, 4w, 8w; three stride-2), global average pooling."""
    body = nn.Sequential(
        _conv_block(3, width, 1),
        _conv_block(width, 2 * width, 2),
        _conv_block(2 * width, 4 * width, 2),
        _conv_block(4 * width, 8 * width, 2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )
    return body, 8 * width


def resnet(name: str, image_size: int) -> tuple[nn.Module, int]:
    """torchvision ResNet without its classifier; CIFAR stem for small images."""
    net = getattr(tvm, name)(weights=None)
    if image_size <= CIFAR_STEM_MAX_SIZE:
        net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        net.maxpool = nn.Identity()
    feature_dim = net.fc.in_features
    net.fc = nn.Identity()
    return net, feature_dim


def build_backbone(name: str, image_size: int, width: int = 32, mean=(0.5,) * 3, std=(0.25,) * 3) -> Backbone:
    """``name`` in BACKBONES; ``width`` applies to ``convnet`` only; mean/std normalise uint8 input."""
    if name == "convnet":
        body, dim = convnet(width)
    elif name in ("resnet18", "resnet50"):
        body, dim = resnet(name, image_size)
    else:
        raise ValueError(f"unknown backbone {name!r}; valid: {', '.join(BACKBONES)}")
    return Backbone(body, dim, image_size, mean, std)


def projection_mlp(
    in_dim: int,
    hidden_dim: int,
    out_dim: int,
    num_layers: int = 2,
    batch_norm: bool = True,
    last_batch_norm: bool = False,
) -> nn.Sequential:
    """``num_layers`` linear layers; hidden ones followed by (BN) + ReLU.

    SimCLR/BYOL: 2 layers. SimSiam: 3 layers with a BN (no affine) on the output
    (``last_batch_norm=True``).
    """
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
    layers: list[nn.Module] = []
    dims = [in_dim] + [hidden_dim] * (num_layers - 1) + [out_dim]
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        last = i == num_layers - 1
        layers.append(nn.Linear(d_in, d_out, bias=not (batch_norm and (not last or last_batch_norm))))
        if not last:
            if batch_norm:
                layers.append(nn.BatchNorm1d(d_out))
            layers.append(nn.ReLU(inplace=True))
        elif last_batch_norm:
            layers.append(nn.BatchNorm1d(d_out, affine=False))
    return nn.Sequential(*layers)
