"""The course's recipes: one CPU and one FULL preset per method (and the ImageNet script's), the
single source of every default.

The CLI (``ssl-course train --method M``), the notebooks (``course.run_config``), the demo,
the benchmarks and the studies (``ssl_course.studies``) all start from
``preset(method)`` and change only what their lesson needs, so one method shows one lr
everywhere.

* **CPU** (``full=False``): a ConvNet of width 16 on the built-in ``shapes``, batch 128,
  20-px training views made by plain tensor operations, and as many epochs of 78 steps as fit the
  same couple of minutes on 2 cores for each method. Each method's lr, head and epochs were chosen
  by measurement (benchmarks/recipe_search.py, then benchmarks/cli_defaults.py on seeds the search
  did not use; docs/decisions.md, "What decided the CPU recipe").
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
import os

from ssl_course.data import dataset_spec
from ssl_course.data.training import steps_per_epoch
from ssl_course.config import TrainConfig
from ssl_course.precision import auto_precision

# Shared by every CPU run: what fits a laptop.
# 20-px training views (random crops of the 32-px images; evaluation stays at 32 px) made by tensor
# operations: a cheaper step, so more of them fit the same minutes (docs/decisions.md, "Smaller views,
# more steps" and "Faster views").
# TrainConfig's own defaults are the rest of the CPU recipe (shapes, ConvNet of width 16, batch 128);
# the views are the one field its default cannot carry, since 20 px suits 32-px images only.
CPU_BASE = TrainConfig(view_size=20)
# Per method, the fields that differ on the CPU (docs/decisions.md, "What decided the CPU recipe").
# Epochs: as many as fit the same couple of minutes of a 2-core laptop for each method (a BYOL step also runs
# the target network), since kNN still climbs steeply at the end of a short cosine schedule.
CPU_METHOD = {
    "simclr": dict(lr=0.3, temperature=0.1, epochs=34),
    # SimSiam's head and lr, and a fast target: with BYOL's base momentum of 0.996 the target lags the online
    # network by about 250 steps, a tenth of this run (docs/decisions.md, "BYOL's target on a short run")
    "byol": dict(lr=0.1, pred_hidden_dim=512, predictor_lr_multiplier=10.0, ema=0.9, epochs=30),
    # the MLP head 512 wide (not d/4) at 10x the encoder's lr learns more (docs/decisions.md, "The SimSiam
    # head"; benchmarks/recipe_search.py); a short lr warm-up keeps the first steps from settling in a
    # low-rank start (docs/decisions.md, "A warm-up for SimSiam")
    "simsiam": dict(lr=0.1, pred_hidden_dim=512, predictor_lr_multiplier=10.0, epochs=34, warmup_epochs=2.0),
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


# A trial of the GPU recipes on any machine: with the environment variable SSL_COURSE_TRIAL set (to
# anything but "" or "0"), every FULL and ImageNet preset stops after a few steps of a small batch, and
# evaluates on a few images. Everything else (model, data, code path) stays the recipe's: the tests run
# every FULL = True notebook, `ssl-course train --full`, the reference runs and the ImageNet script
# this way on a CPU, against tiny datasets in the real on-disk formats.
TRIAL_ENV = "SSL_COURSE_TRIAL"
TRIAL = dict(max_steps=2, batch_size=8, eval_subset=64, checkpoint_every=1)


def trial() -> bool:
    """Whether ``SSL_COURSE_TRIAL`` asks for trial-sized GPU recipes."""
    return os.environ.get(TRIAL_ENV, "") not in ("", "0")


def _as_trial(config: TrainConfig, overrides: dict) -> TrainConfig:
    """``config`` trial-sized, but for the fields the caller set itself (e.g. ``--max-steps`` of a resume)."""
    return dataclasses.replace(config, **{k: v for k, v in TRIAL.items() if k not in overrides}) if trial() else config


def imagenet_preset(method: str, **overrides) -> TrainConfig:
    """The ImageNet recipe of ``method`` as a ``TrainConfig`` (``scripts/train_imagenet.py``'s defaults)."""
    return _as_trial(_recipe(IMAGENET_BASE, IMAGENET_METHOD, method, overrides), overrides)


def preset(method: str, full: bool = False, **overrides) -> TrainConfig:
    """The recipe of ``method`` (CPU or FULL) as a ``TrainConfig``, with ``overrides`` applied.

    The CPU recipe's 20-px views are sized for 32-px images: on a dataset of another size (STL-10,
    an ImageFolder) the views keep the images' own size unless ``view_size`` is given.
    """
    config = _recipe(FULL_BASE if full else CPU_BASE, FULL_METHOD if full else CPU_METHOD, method, overrides)
    if "view_size" not in overrides and dataset_spec(config.dataset).image_size != dataset_spec(CPU_BASE.dataset).image_size:
        config = dataclasses.replace(config, view_size=None)
    return _as_trial(config, overrides) if full else config


# Training images a second (two views each, forward + backward) of ResNet-18 at 32 px on a free Colab
# T4. Estimates, not measurements (the course had no GPU to time them on; benchmarks/gpu_check.py sets
# them against a measurement scaled by the GPUs' published rates). fp32: lightly's A6000 benchmark
# (SimSiam, 200 CIFAR-10 epochs in 88 min, about 1 890 images/s, fp32) scaled by the two GPUs' fp32
# throughput (T4 8.1, A6000 38.7 TFLOPS). fp16 (what "auto" picks on a T4): an assumed 2.5x, well below
# the peak rates' 8x (65 vs 8.1 TFLOPS), since 32-px convolutions at this size do not keep tensor cores busy.
T4_IMAGES_PER_SECOND = {"fp32": 400, "fp16": 1000}
T4_CAPABILITY = (7, 5)


def t4_images_per_second(config: TrainConfig) -> float:
    """The estimate for ``config``'s precision on a T4 (bf16 is only emulated there: fp32's rate)."""
    precision = auto_precision("cuda", T4_CAPABILITY) if config.precision == "auto" else config.precision
    return T4_IMAGES_PER_SECOND.get(precision, T4_IMAGES_PER_SECOND["fp32"])


NOTEBOOK_GPU_MINUTES = 60  # a notebook's FULL = True: about an hour of a free Colab GPU


def estimated_minutes(config: TrainConfig, images_per_second: float | None = None) -> float:
    """How long ``config``'s training takes at ``images_per_second`` (default: the free-Colab estimate)."""
    images_per_second = images_per_second or t4_images_per_second(config)
    steps = config.epochs * steps_per_epoch(config)
    if config.max_steps is not None:
        steps = min(steps, config.max_steps)
    return steps * config.batch_size / images_per_second / 60


def fit_budget(config: TrainConfig, minutes: float = NOTEBOOK_GPU_MINUTES, runs: int = 1,
               images_per_second: float | None = None) -> TrainConfig:
    """``config`` with as many epochs as fit ``minutes / runs`` (at least 1, at most the recipe's)."""
    images_per_second = images_per_second or t4_images_per_second(config)
    per_epoch = steps_per_epoch(config) * config.batch_size / images_per_second / 60
    epochs = max(1, min(config.epochs, int(minutes / runs / per_epoch)))
    return dataclasses.replace(config, epochs=epochs)


def for_steps(config: TrainConfig, steps: int) -> TrainConfig:
    """``config`` stopped after ``steps`` steps (or its own ``max_steps``, if fewer), its lr schedule
    planned for exactly ``steps``: a warm-up keeps its share of the recipe's run, so a short run is not
    all warm-up.

    Example:
        >>> config = for_steps(preset("simsiam"), 100)   # the recipe warms up for 2 of its 34 epochs
        >>> config.max_steps, int(config.warmup_epochs * steps_per_epoch(config))  # the trainer's warm-up steps
        (100, 5)
    """
    per_epoch = steps_per_epoch(config)
    epochs = max(1, -(-steps // per_epoch))
    planned = config.epochs * per_epoch
    warmup_epochs = config.warmup_epochs * min(1.0, steps / planned)
    return dataclasses.replace(config, max_steps=min(steps, config.max_steps or steps), epochs=epochs,
                               warmup_epochs=warmup_epochs)
