"""The course's recipes: one CPU and one FULL preset per method (and the ImageNet script's), the
single source of every default.

The CLI (``ssl-course train --method M``), the notebooks (``course.run_config``), the demo,
the benchmarks and the studies (``ssl_course.studies``) all start from
``preset(method)`` and change only what their lesson needs, so one method shows one lr
everywhere.

* **CPU** (``full=False``): a ConvNet of width 16 on the built-in ``shapes``, batch 128,
  20-px training views made by plain tensor operations, 24 epochs (1 872 steps). Each method's lr,
  and the step count, were chosen by measurement so that the defaults beat the same network at
  random init within minutes on a laptop (docs/decisions.md, "What decided the CPU recipe").
* **FULL** (``full=True``): ResNet-18 (CIFAR stem) on CIFAR-10, following a named table:

  ========  ==========================================  =====  ======  =======  ======
  method    source                                      batch  lr/256  wd       epochs
  ========  ==========================================  =====  ======  =======  ======
  simclr    lightly CIFAR-10 benchmark (T = 0.5)        512    0.12    5e-4     200
  byol      Tian, Chen & Ganguli 2021, CIFAR set-up     128    0.06    4e-4     100
  simsiam   Chen & He 2021, CIFAR-10 (Appendix D)       512    0.03    5e-4     800
  ========  ==========================================  =====  ======  =======  ======

  lr is the base lr for a batch of 256; the trainer scales it linearly (lr x batch / 256), so
  Tian et al.'s 0.03 at batch 128 is 0.06 here, and lightly's 0.06 per 128 images is 0.12.

Example:
    >>> config = preset("simsiam")
    >>> (config.dataset, config.backbone, config.width, config.batch_size, config.lr)
    ('shapes', 'convnet', 16, 128, 0.1)
    >>> preset("byol", full=True).lr
    0.06
"""
from __future__ import annotations

import dataclasses

from ssl_course.data import dataset_spec, train_size
from ssl_course.config import TrainConfig

# Shared by every CPU run: what fits a laptop.
# 20-px training views (random crops of the 32-px images; evaluation stays at 32 px) made by tensor
# operations: a cheaper step, so more of them fit the same minutes (docs/decisions.md, "Smaller views,
# more steps" and "Faster views").
CPU_BASE = TrainConfig(dataset="shapes", backbone="convnet", width=16, batch_size=128, epochs=24, view_size=20,
                       checkpoint_every=500, log_every=10)
# Per method, the fields that differ on the CPU (docs/decisions.md, "What decided the CPU recipe").
CPU_METHOD = {
    "simclr": dict(lr=0.3, temperature=0.1),
    "byol": dict(lr=0.3),
    # the MLP head 512 wide (not d/4) at 10x the encoder's lr learns more (docs/decisions.md, "The SimSiam
    # head"; benchmarks/recipe_search.py); BYOL's head stays: the same change does not help it.
    "simsiam": dict(lr=0.1, pred_hidden_dim=512, predictor_lr_multiplier=10.0),
}

FULL_BASE = TrainConfig(dataset="cifar10", data_dir="data", backbone="resnet18", momentum=0.9,
                        checkpoint_every=1000, log_every=50, eval_every=0)
FULL_METHOD = {
    "simclr": dict(batch_size=512, lr=0.12, weight_decay=5e-4, epochs=200, temperature=0.5),
    "byol": dict(batch_size=128, lr=0.06, weight_decay=4e-4, epochs=100),  # EMA: BYOL's own 0.996
    "simsiam": dict(batch_size=512, lr=0.03, weight_decay=5e-4, epochs=800),
}
FULL_SOURCE = {
    "simclr": "lightly's CIFAR-10 benchmark (ResNet-18, batch 512, SGD 0.06 per 128 images, wd 5e-4, 200 epochs)",
    "byol": "Tian, Chen & Ganguli 2021, CIFAR-10 set-up (ResNet-18, batch 128, SGD lr 0.03, wd 4e-4, EMA 0.996, 100 epochs)",
    "simsiam": "Chen & He 2021, Appendix D (ResNet-18, batch 512, SGD lr 0.03 x batch/256, wd 5e-4, 800 epochs)",
}


# scripts/train_imagenet.py's recipe (torchrun on an ImageFolder): ResNet-50 for 60 epochs, the shorter
# schedule of Tian, Chen & Ganguli's ImageNet table, with SGD at batch 256; LARS and large batches are
# flags away (the script's docstring shows one). Heads at the papers' ImageNet sizes.
IMAGENET_BASE = TrainConfig(dataset="imagefolder", backbone="resnet50", epochs=60, batch_size=256, lr=0.05,
                            weight_decay=1e-4, warmup_epochs=10.0, num_workers=8, checkpoint_every=1000,
                            out="runs/imagenet")
IMAGENET_METHOD = {
    "simclr": dict(proj_hidden_dim=2048, proj_dim=128),  # Chen et al. 2020
    "byol": dict(proj_hidden_dim=4096, proj_dim=256, pred_hidden_dim=4096),  # Grill et al. 2020
    "simsiam": dict(proj_hidden_dim=2048, proj_dim=2048, pred_hidden_dim=512),  # Chen & He 2021
}


def _recipe(base: TrainConfig, table: dict, method: str, overrides: dict) -> TrainConfig:
    """``base`` with ``method``'s row of ``table``, then ``overrides``."""
    if method not in table:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(table)}")
    return dataclasses.replace(base, **{"method": method, **table[method], **overrides})


def imagenet_preset(method: str, **overrides) -> TrainConfig:
    """The ImageNet recipe of ``method`` as a ``TrainConfig`` (``scripts/train_imagenet.py``'s defaults)."""
    return _recipe(IMAGENET_BASE, IMAGENET_METHOD, method, overrides)


def preset(method: str, full: bool = False, **overrides) -> TrainConfig:
    """The recipe of ``method`` (CPU or FULL) as a ``TrainConfig``, with ``overrides`` applied.

    The CPU recipe's 20-px views are sized for 32-px images: on a dataset of another size (STL-10,
    an ImageFolder) the views keep the images' own size unless ``view_size`` is given.
    """
    config = _recipe(FULL_BASE if full else CPU_BASE, FULL_METHOD if full else CPU_METHOD, method, overrides)
    if "view_size" not in overrides and dataset_spec(config.dataset).image_size != dataset_spec(CPU_BASE.dataset).image_size:
        config = dataclasses.replace(config, view_size=None)
    return config


# Training images a second (two views each, forward + backward) of ResNet-18 at 32 px on a free Colab
# T4 in fp32. An estimate, not a measurement (the course had no GPU to time it on): lightly's
# A6000 benchmark (SimSiam, 200 CIFAR-10 epochs in 88 min, about 1 890 images/s) scaled by the two
# GPUs' fp32 throughput (T4 8.1, A6000 38.7 TFLOPS).
T4_IMAGES_PER_SECOND = 400
NOTEBOOK_GPU_MINUTES = 60  # a notebook's FULL = True: about an hour of a free Colab GPU
KNOWN_TRAIN_SIZES = {"cifar10": 50_000, "cifar100": 50_000, "stl10": 105_000}  # without the files on disk


def _train_images(config: TrainConfig) -> int:
    if config.train_subset:
        return config.train_subset
    return KNOWN_TRAIN_SIZES.get(config.dataset) or train_size(config.dataset, config.data_dir)


def estimated_minutes(config: TrainConfig, images_per_second: float = T4_IMAGES_PER_SECOND) -> float:
    """How long ``config``'s training takes at ``images_per_second`` (default: the free-Colab estimate)."""
    steps = config.epochs * max(1, _train_images(config) // config.batch_size)
    if config.max_steps is not None:
        steps = min(steps, config.max_steps)
    return steps * config.batch_size / images_per_second / 60


def fit_budget(config: TrainConfig, minutes: float = NOTEBOOK_GPU_MINUTES, runs: int = 1,
               images_per_second: float = T4_IMAGES_PER_SECOND) -> TrainConfig:
    """``config`` with as many epochs as fit ``minutes / runs`` (at least 1, at most the recipe's)."""
    per_epoch = max(1, _train_images(config) // config.batch_size) * config.batch_size / images_per_second / 60
    epochs = max(1, min(config.epochs, int(minutes / runs / per_epoch)))
    return dataclasses.replace(config, epochs=epochs)


def steps_per_epoch(config: TrainConfig) -> int:
    """Optimiser steps in one epoch of ``config``'s training set (without loading real images)."""
    n = config.train_subset or train_size(config.dataset)
    return max(1, (n // config.chunks) // config.batch_size)


def for_steps(config: TrainConfig, steps: int) -> TrainConfig:
    """``config`` stopped after ``steps`` steps, its lr schedule planned for exactly those steps."""
    epochs = max(1, -(-steps // steps_per_epoch(config)))
    return dataclasses.replace(config, max_steps=steps, epochs=epochs)
