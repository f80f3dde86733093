"""A method built from a run's config: the backbone the config names, with the method's heads on top.

The trainer, the scoring of checkpoints and the benchmarks build their networks here, so a
checkpoint's config always rebuilds the network it was trained as.

Example:
    >>> from ssl_course.config import TrainConfig
    >>> method = build_from_config(TrainConfig(method="byol", width=4, proj_hidden_dim=16, proj_dim=8), 32)
    >>> type(method).__name__, method.backbone.feature_dim
    ('BYOL', 32)
"""
from __future__ import annotations

import torch

from ssl_course.config import TrainConfig
from ssl_course.data import dataset_spec
from ssl_course.methods import SiameseMethod, build_method
from ssl_course.models import build_backbone


def build_from_config(config: TrainConfig, image_size: int, **hooks) -> SiameseMethod:
    """``config``'s backbone and method for ``image_size``-px images; ``hooks``: ``methods.build_method``'s."""
    spec = dataset_spec(config.dataset)
    backbone = build_backbone(config.backbone, image_size, width=config.width, mean=spec.mean, std=spec.std)
    return build_method(config.method, backbone, config.method_config(), **hooks)


def untrained_backbone(config: TrainConfig) -> torch.nn.Module:
    """The backbone exactly as ``train(config)`` initialises it (same seed), before any step; the global RNG is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return build_from_config(config, dataset_spec(config.dataset).image_size).backbone
