"""The one training loop every method, notebook and script uses.

``train(TrainConfig(...))`` builds the dataset, backbone and method, then runs SGD
with momentum, lr = base_lr x batch / 256, linear warm-up and cosine decay.
Each step: two augmented views -> ``method.training_step`` -> backward -> step ->
``method.after_optimizer_step`` (EMA target, DirectPred). Along the way it

* shows a tqdm bar with loss, lr and the collapse monitor (std of normalised z),
* appends per-step metrics to ``<out>/metrics.jsonl`` and evaluates kNN periodically,
* warns once, with a hint, when the projector output looks collapsed,
* writes ``<out>/last.pt`` atomically every ``checkpoint_every`` steps and at the end
  (model, EMA target, optimiser, RNG states, data position, config), so that
  ``resume=True`` continues exactly where the checkpoint left off,
* stops on a NaN/inf loss with a clear message, keeping the last good checkpoint.

Images of built-in and CIFAR/STL datasets stay in memory as one uint8 tensor (on the
GPU when training there) and are augmented a batch at a time with kornia; an
ImageFolder is read by a DataLoader with per-image torchvision v2 transforms.

Example (a few seconds on a CPU):
    >>> result = train(TrainConfig(method="simclr", epochs=1, max_steps=3, batch_size=32,
    ...                            out=None, progress=False, final_eval=False))
    >>> result.steps
    3
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler
from tqdm.auto import tqdm

from ssl_course.augment import BatchTwoViewAugment, eval_transform, two_view_transform
from ssl_course import distributed
from ssl_course.checkpoint import CheckpointError, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from ssl_course.data import ArrayDataset, as_tensors, dataset_spec, load_dataset
from ssl_course.evaluation import evaluate_backbone
from ssl_course.methods import METHODS, MethodConfig, SiameseMethod, build_method
from ssl_course.methods.base import StepOutput
from ssl_course.metrics import commutator_norm, correlation, effective_rank, eigen_alignment, eigen_pairs, std_of_normalized
from ssl_course.models import build_backbone
from ssl_course.optim import LARS

# Fields that may differ when a run is resumed; everything else must match the checkpoint.
OPTIMIZERS = ("sgd", "lars")
RUNTIME_FIELDS = ("max_steps", "time_budget", "progress", "device", "checkpoint_every", "eval_every", "out", "overwrite",
                  "strict_images", "final_eval", "baseline")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM stopped the run after it wrote a checkpoint at the current step."""

    def __init__(self, signum: int, step: int, path: Path | None):
        self.signum, self.step, self.path = signum, step, path
        where = f"checkpoint at step {step} in {path}; --resume continues" if path else f"stopped at step {step}"
        super().__init__(f"{signal.Signals(signum).name} received: {where}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM


class StopSignals:
    """While active, SIGINT/SIGTERM only set ``received``: the loop saves, then stops, between two steps.

    A second signal interrupts at once. Outside the main thread (where handlers cannot be set)
    it does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received: int | None = None
        self.previous = {}

    def _handle(self, signum, frame):
        if self.received is not None:
            self.restore()
            raise KeyboardInterrupt
        self.received = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}

    def __exit__(self, *exc):
        self.restore()


@dataclass
class TrainConfig:
    """Everything that defines a run; JSON-serialisable (``asdict``).

    The defaults are SimSiam's CPU preset; ``ssl_course.presets.preset(method)`` gives any
    method's recipe (CPU or FULL), and a test keeps the two equal.
    """

    method: str = "simsiam"
    dataset: str = "shapes"
    data_dir: str | None = None
    download: bool = False
    backbone: str = "convnet"
    width: int = 16  # convnet width
    epochs: int = 15  # the lr/EMA schedules are planned for this many epochs
    max_steps: int | None = None  # stop early (the schedule is still planned for `epochs`)
    time_budget: float | None = None  # seconds of training before stopping early
    train_subset: int | None = None  # train on the first N training images only (evaluation labels all)
    batch_size: int = 128
    lr: float = 0.1  # base lr for a batch of 256
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: float = 0.0
    chunks: int = 1  # > 1: continual learning over consecutive chunks of the training set (see epoch_order)
    chunk_epochs: int = 1  # epochs on each chunk before the next one
    # method switches (None: the method's default)
    stop_gradient: bool | None = None
    predictor: str | None = None
    predictor_lr_multiplier: float = 1.0
    predictor_weight_decay: float | None = None
    ema: float | None = None
    proj_hidden_dim: int = 512
    proj_dim: int = 128
    pred_hidden_dim: int | None = None
    temperature: float = 0.1  # SimCLR
    dp_rho: float = 0.3  # DirectPred/DirectCopy: running-average weight of the correlation
    dp_eps: float = 0.1  # DirectPred/DirectCopy: added to every eigenvalue / the diagonal
    dp_freq: int = 1  # DirectPred/DirectCopy: recompute the weight every N steps
    # bookkeeping
    seed: int = 0
    device: str = "auto"
    out: str | None = "runs/latest"  # None: nothing is written to disk (no checkpoint, no metrics file)
    overwrite: bool = False
    checkpoint_every: int = 500  # steps between checkpoints; 0: only at the end
    eval_every: int = 0  # steps between kNN evaluations on a subset; 0: only at the end
    eval_subset: int = 2000
    final_eval: bool = True  # kNN and linear probe of the trained backbone at the end
    baseline: bool = True  # with final_eval: the same scores for this backbone at random init (seeded)
    knn_k: int = 200
    log_every: int = 10  # steps between collapse-monitor measurements
    progress: bool = True
    num_workers: int = 2  # DataLoader workers (ImageFolder only)
    strict_images: bool = False  # ImageFolder: an undecodable image is an error instead of being skipped
    compile: bool = False  # torch.compile the training step
    gpu_aug: bool | None = None  # in-memory data resident on the GPU, views made there; None: on the training device
    optimizer: str = "sgd"  # "sgd" or "lars" (large batches, BYOL/SimCLR ImageNet recipe)
    sync_bn: bool = False  # under torchrun: SyncBatchNorm across ranks
    dist_backend: str | None = None  # under torchrun: "nccl" / "gloo"; None: nccl on CUDA, gloo on CPU

    def method_config(self) -> MethodConfig:
        return MethodConfig(
            stop_gradient=self.stop_gradient, predictor=self.predictor,
            predictor_lr_multiplier=self.predictor_lr_multiplier, predictor_weight_decay=self.predictor_weight_decay,
            ema=self.ema, proj_hidden_dim=self.proj_hidden_dim, proj_dim=self.proj_dim,
            pred_hidden_dim=self.pred_hidden_dim, temperature=self.temperature,
            predictor_options=dict(rho=self.dp_rho, eps=self.dp_eps, freq=self.dp_freq)
            if self.predictor in ("directpred", "directcopy") else {},
        )

    def validate(self) -> None:
        dataset_spec(self.dataset)  # raises with the valid names
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; valid: {', '.join(METHODS)}")
        if self.batch_size < 2:
            raise ValueError(
                f"batch size must be >= 2 (got {self.batch_size}): BatchNorm needs more than one sample "
                "and the losses compare pairs within a batch"
            )
        for name in ("epochs", "log_every", "chunks", "chunk_epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be >= 0 (0: only at the end), got {self.checkpoint_every}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")


@dataclass
class TrainResult:
    method: SiameseMethod
    config: TrainConfig
    history: list[dict]
    steps: int
    seconds: float
    loss: float
    std_of_normalized: float
    effective_rank: float
    knn: float | None
    out: Path | None  # None: the run wrote nothing (out=None)
    collapsed: bool  # the collapse monitor's verdict at the last measurement
    collapse_step: int | None = None  # the step at which the monitor first warned (None: never)
    linear_probe: float | None = None
    random_init_knn: float | None = None  # the same backbone before training: did training help?
    random_init_probe: float | None = None
    feature_auc: float | None = None  # partial collapse of the test features (Li et al.; higher = more collapsed)
    random_init_feature_auc: float | None = None
    spectrum: list[float] | None = None  # the cumulative singular-value curve whose mean is feature_auc

    def summary(self) -> dict:
        keys = ("knn", "linear_probe", "random_init_knn", "random_init_probe", "feature_auc", "random_init_feature_auc",
                "loss", "std_of_normalized", "effective_rank", "steps", "seconds", "collapsed", "collapse_step")
        data = {k: getattr(self, k) for k in keys}
        return {**data, "method": self.config.method, "dataset": self.config.dataset, "out": None if self.out is None else str(self.out)}


def pick_device(name: str = "auto") -> torch.device:
    """CUDA > MPS > CPU for ``auto``; a clear error if an explicit choice is unavailable."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA GPU is available here")
    if name not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {name!r}; valid: auto, cpu, cuda, mps")
    return torch.device(name)


def prefers_channels_last(device: torch.device) -> bool:
    """NHWC convolutions: faster on CUDA and on the CPU (measured: 87 -> 66 ms per ConvNet step on 2 cores)."""
    return device.type in ("cuda", "cpu")


def bf16_autocast(device: torch.device):
    """bf16 autocast where the GPU computes in bf16 natively (Ampere and newer: A100, L4, H100); fp32 elsewhere,
    including a T4 (free Colab), which would only emulate it, and CPUs."""
    native = device.type == "cuda" and torch.cuda.is_bf16_supported(including_emulation=False)
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=native)


def train_step(method: SiameseMethod, step_fn, optimizer: torch.optim.Optimizer, view1: torch.Tensor, view2: torch.Tensor,
               step: int, total_steps: int, autocast=None, channels_last: bool = False, check=None) -> StepOutput:
    """One optimisation step, the same for the trainer and the benchmarks: the views in channels_last
    memory (if asked), forward under ``autocast``, ``check(loss)`` (e.g. stop on a non-finite loss),
    backward, the optimiser step, then the method's own update (EMA target, DirectPred's W_p)."""
    if channels_last:
        view1 = view1.contiguous(memory_format=torch.channels_last)
        view2 = view2.contiguous(memory_format=torch.channels_last)
    with autocast if autocast is not None else contextlib.nullcontext():
        output = step_fn(view1, view2)
    if check is not None:
        check(output.loss)
    optimizer.zero_grad(set_to_none=True)
    output.loss.backward()
    optimizer.step()
    method.after_optimizer_step(output, step, total_steps)
    return output


def lr_at(step: int, total_steps: int, warmup_steps: int, peak: float) -> float:
    """Linear warm-up to ``peak``, then cosine decay to 0."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    return peak * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def epoch_order(n: int, seed: int, epoch: int, chunks: int = 1, chunk_epochs: int = 1) -> torch.Tensor:
    """The data order of one epoch: a function of (seed, epoch) only, so resuming needs just the step.

    With ``chunks`` > 1 the data is a stream of consecutive chunks: an epoch is one pass over
    chunk ``(epoch // chunk_epochs) % chunks`` (continual learning: each chunk for
    ``chunk_epochs`` epochs, then the next; Li, Efros & Pathak 2022).
    """
    size = n // chunks
    chunk = (epoch // chunk_epochs) % chunks
    return chunk * size + torch.randperm(size, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


class EpochBatchSampler(Sampler):
    """Batches of one epoch's ``order``, starting at batch ``start`` (for resuming)."""

    def __init__(self, order: torch.Tensor, batch_size: int, start: int = 0, rank: int = 0, world_size: int = 1):
        self.order = order
        self.batch_size, self.start = batch_size, start
        self.rank, self.world_size = rank, world_size  # under torchrun: this rank's share of each batch

    def __len__(self) -> int:
        return len(self.order) // self.batch_size - self.start

    def __iter__(self):
        for b in range(self.start, len(self.order) // self.batch_size):
            batch = self.order[b * self.batch_size : (b + 1) * self.batch_size]
            yield distributed.rank_slice(batch, self.rank, self.world_size).tolist()


class TrainData:
    """Training views and evaluation tensors for one dataset, in memory or through a DataLoader."""

    def __init__(self, config: TrainConfig, device: torch.device, context: distributed.Distributed = distributed.Distributed()):
        spec = dataset_spec(config.dataset)
        self.spec, self.config, self.device, self.context = spec, config, device, context
        self.size = spec.image_size
        root = config.data_dir
        train = load_dataset(config.dataset, spec.train_split, root=root, download=config.download)
        test = load_dataset(config.dataset, spec.test_split, root=root, download=config.download)
        # Built-in, CIFAR and STL-10 hold their images as one array; an ImageFolder reads files.
        self.in_memory = isinstance(train, ArrayDataset) or isinstance(getattr(train, "data", None), np.ndarray)
        if config.gpu_aug and not self.in_memory:
            raise ValueError(f"--gpu-aug needs an in-memory dataset (built-in, CIFAR, STL-10); {config.dataset} "
                             "is decoded from files by DataLoader workers")
        # where the uint8 images live and both views are made: the GPU (one batched kornia call, no
        # host-to-device copies of views) unless gpu_aug=False asks for the CPU
        self.augment_device = torch.device("cpu") if config.gpu_aug is False else device
        if self.in_memory:
            images, labels = as_tensors(train)
            # evaluation labels every training image, also when training sees a subset (as Li et al. probe
            # the full ImageNet whatever fraction the model was trained on)
            self.labelled = images[labels >= 0], labels[labels >= 0]  # STL-10's unlabeled images carry -1
            if config.train_subset:
                images, labels = images[: config.train_subset], labels[: config.train_subset]
            self.images = images.to(self.augment_device)
            self.labels = labels
            self.test = as_tensors(test)
            self.augment = BatchTwoViewAugment(self.size, spec.mean, spec.std).to(self.augment_device)
            self.n = len(self.images)
        else:
            train.transform = two_view_transform(self.size, spec.mean, spec.std)
            self.train_dataset = train
            self.eval_train = load_dataset(config.dataset, spec.train_split, root=root, transform=eval_transform(self.size, spec.mean, spec.std))
            self.eval_test = load_dataset(config.dataset, spec.test_split, root=root, transform=eval_transform(self.size, spec.mean, spec.std))
            for dataset in (self.train_dataset, self.eval_train, self.eval_test):
                dataset.strict = config.strict_images
            self.n = len(train)
        if self.n < config.batch_size:
            raise ValueError(f"batch size {config.batch_size} exceeds the {self.n} training images")
        if not 1 <= config.chunks <= self.n // config.batch_size:
            raise ValueError(f"chunks must be between 1 and {self.n // config.batch_size} (one batch each), got {config.chunks}")
        self.steps_per_epoch = (self.n // config.chunks) // config.batch_size

    def order(self, epoch: int) -> torch.Tensor:
        return epoch_order(self.n, self.config.seed, epoch, self.config.chunks, self.config.chunk_epochs)

    def views(self, epoch: int, start_batch: int):
        """Yield (view1, view2) for the batches of ``epoch`` from ``start_batch`` on."""
        cfg = self.config
        if self.in_memory:
            order = self.order(epoch)
            for b in range(start_batch, self.steps_per_epoch):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                idx = distributed.rank_slice(idx, self.context.rank, self.context.world_size).to(self.images.device)
                view1, view2 = self.augment(self.images[idx])
                yield view1.to(self.device, non_blocking=True), view2.to(self.device, non_blocking=True)
        else:
            sampler = EpochBatchSampler(self.order(epoch), cfg.batch_size, start_batch, self.context.rank,
                                        self.context.world_size)
            # its own generator: creating the iterator must not draw from the global RNG, or a resumed
            # run would augment differently (exact with num_workers=0; workers reseed per epoch)
            generator = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch * 101 + self.context.rank)
            loader = DataLoader(self.train_dataset, batch_sampler=sampler, num_workers=cfg.num_workers,
                                pin_memory=self.device.type == "cuda", persistent_workers=False, generator=generator)
            for (v1, v2), _ in loader:
                yield v1.to(self.device, non_blocking=True), v2.to(self.device, non_blocking=True)

    def eval_sets(self, subset: int | None):
        """(train, test) evaluation data: tensor pairs or datasets, optionally a seeded subset."""
        if self.in_memory:
            images, labels = self.labelled
            test_images, test_labels = self.test
            if subset:
                images, labels = images[:subset], labels[:subset]
                test_images, test_labels = test_images[: subset // 2], test_labels[: subset // 2]
            return (images, labels), (test_images, test_labels)
        train, test = self.eval_train, self.eval_test
        if subset:
            g = torch.Generator().manual_seed(0)
            train = torch.utils.data.Subset(train, torch.randperm(len(train), generator=g)[:subset].tolist())
            test = torch.utils.data.Subset(test, torch.randperm(len(test), generator=g)[: subset // 2].tolist())
        return train, test


def evaluate_knn(method: SiameseMethod, data: TrainData, subset: int | None, k: int) -> float:
    return evaluate_backbone(method.backbone, *data.eval_sets(subset), k=k, device=data.device)["knn"]


_baseline_cache: dict[tuple, dict] = {}
SPECTRUM_LOGGED = 4  # with a linear head, F's top eigenvalues and W_p's along their eigenvectors, every log step


def random_init_scores(config: TrainConfig, backbone: torch.nn.Module, data: TrainData) -> dict:
    """kNN, probe and feature AUC of ``backbone`` as initialised by ``config.seed``; cached, since many runs share one."""
    key = (config.dataset, config.data_dir, config.backbone, config.width, config.seed, config.knn_k)
    if key not in _baseline_cache:
        _baseline_cache[key] = evaluate_backbone(backbone, *data.eval_sets(None), k=config.knn_k, probe=True,
                                                 device=data.device, spectrum=True)
    return _baseline_cache[key]


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


def _prepare_out(config: TrainConfig, resume: bool) -> Path | None:
    if config.out is None:
        return None
    out = Path(config.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder: name a folder for the run (it keeps last.pt and metrics.jsonl)")
    if not resume and (out / "last.pt").exists() and not config.overwrite:
        raise ValueError(f"{out} already holds a run (last.pt): pass --resume to continue it, --overwrite to replace it, or another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a parent is a file, no permission, ...
        raise ValueError(f"cannot make the run folder {out} ({err.strerror or err})") from None
    return out


def _read_history(path: Path, upto_step: int) -> list[dict]:
    """Metrics logged up to the checkpoint; later lines (from a killed run) are dropped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill
        if row.get("step", 0) <= upto_step:
            rows.append(row)
    return rows


def build_from_config(config: TrainConfig, image_size: int) -> SiameseMethod:
    spec = dataset_spec(config.dataset)
    backbone = build_backbone(config.backbone, image_size, width=config.width, mean=spec.mean, std=spec.std)
    return build_method(config.method, backbone, config.method_config())


def untrained_backbone(config: TrainConfig) -> torch.nn.Module:
    """The backbone exactly as ``train(config)`` initialises it (same seed), before any step; the global RNG is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return build_from_config(config, dataset_spec(config.dataset).image_size).backbone


_cpu_noted = False


def train(config: TrainConfig, resume: bool = False, loss=None) -> TrainResult:
    """Run (or resume) one training run; see the module docstring.

    ``loss``: a learner's own symmetric loss ``loss(p1, p2, z1, z2)`` in place of the method's (the
    notebooks' exercises run it inside real training); it receives the online projections with their
    gradient, so the stop-gradient is up to it.
    """
    checkpoint = None
    if resume:
        if config.out is None:
            raise ValueError("resume needs an output folder (--out)")
        checkpoint = load_checkpoint(Path(config.out) / "last.pt")
        saved = TrainConfig(**checkpoint["config"])
        for name in RUNTIME_FIELDS:
            setattr(saved, name, getattr(config, name))
        config = saved
    config.validate()
    context, rank_device = distributed.setup(config.batch_size, config.device, config.dist_backend)
    device = rank_device or pick_device(config.device)
    if config.gpu_aug and device.type != "cuda":
        raise ValueError(f"--gpu-aug needs a CUDA GPU, but training runs on {device.type}; drop the flag")
    out = _prepare_out(config, resume) if context.is_main else None
    distributed.barrier(context)
    torch.manual_seed(config.seed)  # the same initial weights on every rank
    data = TrainData(config, device, context)
    method = build_from_config(config, data.size).to(device)
    method.custom_loss = loss
    untrained = copy.deepcopy(method.backbone) if config.final_eval and config.baseline and context.is_main else None
    if context.enabled:
        torch.manual_seed(config.seed + 1000 * context.rank)  # but each rank its own augmentations
    global _cpu_noted
    if device.type == "cpu" and not _cpu_noted and context.is_main:  # once per process: notebooks train many times
        _cpu_noted = True
        _say("note: training on the CPU - fine for the course's small runs; on Colab choose "
             "Runtime > Change runtime type > GPU for larger ones")
    channels_last = prefers_channels_last(device)
    if channels_last:
        method = method.to(memory_format=torch.channels_last)
    if context.enabled and config.sync_bn:
        method = torch.nn.SyncBatchNorm.convert_sync_batchnorm(method)
    groups = method.parameter_groups(config.weight_decay)
    if config.optimizer == "lars":
        optimizer = LARS(groups, lr=0.0, momentum=config.momentum)
    else:
        optimizer = torch.optim.SGD(groups, lr=0.0, momentum=config.momentum, fused=device.type == "cuda")
    step_fn = torch.compile(method.training_step) if config.compile else method.training_step
    if context.enabled:  # gradients averaged across ranks inside backward
        ddp = distributed.wrap(method, context, device)
        step_fn = lambda view1, view2: StepOutput(*ddp(view1, view2))  # noqa: E731

    total_steps = config.epochs * data.steps_per_epoch
    warmup_steps = int(config.warmup_epochs * data.steps_per_epoch)
    peak_lr = config.lr * config.batch_size / 256
    metrics_path = out / "metrics.jsonl" if out is not None else None
    start_step, seconds_before = 0, 0.0
    if checkpoint is not None:
        try:
            method.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
        except (RuntimeError, KeyError, ValueError) as err:
            raise CheckpointError(f"checkpoint does not match this model ({str(err).splitlines()[0][:120]})") from None
        set_rng_state(checkpoint["rng_per_rank"][context.rank] if context.enabled else checkpoint["rng"])
        start_step, seconds_before = checkpoint["step"], checkpoint["seconds"]
    history = _read_history(metrics_path, start_step) if metrics_path is not None else []
    if metrics_path is not None:
        with open(metrics_path, "w") as handle:  # rewrite: drop lines past the checkpoint
            handle.writelines(json.dumps(row) + "\n" for row in history)

    def save(step: int, seconds: float) -> None:
        states = distributed.gather_objects(rng_state(), context)  # every rank's, for an exact resume
        if out is None:  # another rank's process, or out=None: nothing goes to disk
            return
        save_checkpoint({
            "model": method.state_dict(), "optimizer": optimizer.state_dict(), "rng": states[0],
            **({"rng_per_rank": states} if context.enabled else {}),
            "step": step, "seconds": seconds, "config": dataclasses.asdict(config),
        }, out / "last.pt")

    stop_at = total_steps if config.max_steps is None else min(total_steps, config.max_steps)
    dim = config.proj_dim
    collapse_step, collapsed = None, False
    last = {"loss": float("nan"), "std_of_normalized": float("nan"), "effective_rank": float("nan")}
    autocast = bf16_autocast(device)

    def stop_if_diverged(loss: torch.Tensor) -> None:  # before the step: the weights stay finite
        if distributed.any_rank(not torch.isfinite(loss).item(), context, device):
            bar.close()
            kept = (f"the last good checkpoint is {out / 'last.pt'}" if out is not None and (out / "last.pt").exists()
                    else "no checkpoint was written yet")
            raise TrainingDiverged(f"loss became {loss.item()} at step {step}: lower the learning rate; {kept}")

    bar = tqdm(total=stop_at, initial=start_step, disable=not (config.progress and context.is_main), desc=config.method, dynamic_ncols=True, file=sys.stderr)
    started, step = time.perf_counter(), start_step
    method.train()
    with open(metrics_path or os.devnull, "a") as log, StopSignals() as signals:
        while step < stop_at:
            epoch, batch = divmod(step, data.steps_per_epoch)
            for view1, view2 in data.views(epoch, batch):
                lr = lr_at(step, total_steps, warmup_steps, peak_lr)
                for group in optimizer.param_groups:
                    group["lr"] = lr * group["lr_scale"]
                output = train_step(method, step_fn, optimizer, view1, view2, step, total_steps, autocast=autocast,
                                    channels_last=channels_last, check=stop_if_diverged)
                loss = output.loss
                step += 1
                row = {"step": step, "epoch": epoch, "loss": loss.item(), "lr": lr}
                if step % config.log_every == 0 or step == stop_at:
                    z = output.z1.float()
                    row["std_of_normalized"] = std_of_normalized(z)
                    row["effective_rank"] = effective_rank(z)
                    head = method.predictor_matrix()
                    if head is not None:  # eigen-alignment of a linear head with F (Tian et al., Fig. 2)
                        F = correlation(torch.cat([output.z1, output.z2]))
                        row["commutator"] = commutator_norm(F, head)
                        row["alignment"] = eigen_alignment(F, head)[:8].mean().item()
                        s, p, _ = eigen_pairs(F, head)  # F's top eigenvalues and W_p's along them
                        row["eigenvalues_F"] = [round(v, 6) for v in s[:SPECTRUM_LOGGED].tolist()]
                        row["eigenvalues_W_p"] = [round(v, 6) for v in p[:SPECTRUM_LOGGED].tolist()]
                    collapsed = row["std_of_normalized"] < 0.2 / math.sqrt(dim) or row["effective_rank"] <= 2.0
                    if collapsed and collapse_step is None and step > warmup_steps and context.is_main:
                        collapse_step = step
                        _say(f"warning: the projector output looks collapsed at step {step} (std of normalised z = "
                             f"{row['std_of_normalized']:.4f}, healthy ~ {1 / math.sqrt(dim):.3f}; effective rank "
                             f"{row['effective_rank']:.1f}). Check the stop-gradient, the predictor and the learning rate.")
                last.update({k: row[k] for k in last if k in row})
                seconds = seconds_before + time.perf_counter() - started
                row["seconds"] = round(seconds, 3)
                if config.eval_every and step % config.eval_every == 0 and context.is_main:
                    row["knn"] = evaluate_knn(method, data, config.eval_subset, config.knn_k)
                log.write(json.dumps(row) + "\n")
                history.append(row)
                bar.update(1)
                bar.set_postfix(loss=f"{row['loss']:.3f}", lr=f"{lr:.3g}", std=f"{last['std_of_normalized']:.3f}")
                if config.checkpoint_every and step % config.checkpoint_every == 0:
                    log.flush()
                    save(step, seconds)
                if config.time_budget is not None and distributed.any_rank(seconds >= config.time_budget, context, device):
                    stop_at = step
                if distributed.any_rank(signals.received is not None, context, device):
                    bar.close()
                    log.flush()
                    save(step, seconds)  # at this step, between two steps: --resume continues exactly
                    raise TrainingInterrupted(signals.received or signal.SIGTERM, step,
                                              out / "last.pt" if out is not None else None)
                if step >= stop_at:
                    break  # before the next batch is augmented: its RNG draws belong to the resumed run
    bar.close()
    seconds = seconds_before + time.perf_counter() - started
    save(step, seconds)
    scores, baseline = {}, {}
    if config.final_eval and context.is_main:
        scores = evaluate_backbone(method.backbone, *data.eval_sets(None), k=config.knn_k, probe=True, device=device,
                                   spectrum=True)
        if untrained is not None:
            baseline = random_init_scores(config, untrained, data)
    distributed.barrier(context)
    return TrainResult(method, config, history, step, round(seconds, 3), last["loss"], last["std_of_normalized"],
                       last["effective_rank"], scores.get("knn"), out, collapsed, collapse_step,
                       scores.get("linear_probe"), baseline.get("knn"), baseline.get("linear_probe"),
                       scores.get("feature_auc"), baseline.get("feature_auc"), scores.get("spectrum"))


def load_trained(checkpoint_path: str | Path, device: str = "cpu") -> tuple[SiameseMethod, TrainConfig, int]:
    """Rebuild a trained method (in eval mode), its config and its step count from a ``last.pt``.

    A backbone-only file (``{"backbone": ..., "config": ..., "step": ...}``) restores the backbone;
    the projector and predictor then stay at their initial weights.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    try:
        config = TrainConfig(**checkpoint["config"])
        method = build_from_config(config, dataset_spec(config.dataset).image_size)
        if "backbone" in checkpoint:  # a backbone-only file (scripts/reference_runs.py): all that evaluation needs
            method.backbone.load_state_dict(checkpoint["backbone"])
        else:
            method.load_state_dict(checkpoint["model"])
    except (TypeError, KeyError, RuntimeError) as err:
        raise CheckpointError(f"{checkpoint_path} does not hold a model of this version ({str(err).splitlines()[0][:120]})") from None
    return method.to(pick_device(device)).eval(), config, checkpoint["step"]


def evaluate_checkpoint(checkpoint_path: str | Path, data_dir: str | None = None, device: str = "auto") -> dict:
    """kNN and linear-probe accuracy of a checkpoint's backbone on its dataset's train/test splits."""
    method, config, steps = load_trained(checkpoint_path, device)
    if data_dir is not None:
        config.data_dir = data_dir
    data = TrainData(config, pick_device(device))
    scores = evaluate_backbone(method.backbone, *data.eval_sets(None), k=config.knn_k, probe=True, device=data.device)
    return {**scores, "method": config.method, "dataset": config.dataset, "steps": steps}
