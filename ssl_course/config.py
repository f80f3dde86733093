"""What defines a run (``TrainConfig``) and what it returns (``TrainResult``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ssl_course.augment import BATCH_AUGMENTS
from ssl_course.data import dataset_names
from ssl_course.devices import DEVICES
from ssl_course.distributed import DIST_BACKENDS
from ssl_course.flags import setting
from ssl_course.methods import METHODS, MethodConfig, SiameseMethod
from ssl_course.models import BACKBONES
from ssl_course.optim import OPTIMIZERS
from ssl_course.precision import PRECISIONS

# Fields that may differ when a run is resumed; everything else must match the checkpoint.
RUNTIME_FIELDS = ("max_steps", "time_budget", "progress", "device", "checkpoint_every", "eval_every", "out", "overwrite",
                  "strict_images", "final_eval", "baseline")


@dataclass(kw_only=True)
class TrainConfig(MethodConfig):
    """Everything that defines a run; JSON-serialisable (``asdict``).

    The method's switches and sizes (``predictor``, ``ema``, ``proj_dim``, ...) are inherited from
    ``MethodConfig``, where their defaults live; the fields below are the run's. One flat set of
    keywords, ``TrainConfig(method="byol", ema=0.99)``, and the flat JSON of every saved run
    stay valid. Each field carries its help text, choices and bounds (``ssl_course.flags.setting``):
    ``ssl-course train``'s flags are made from them, and ``validate`` checks them.

    The defaults are the CPU recipe every method shares, but for its 20-px views (``presets.CPU_BASE`` adds
    them); ``ssl_course.presets.preset(method)`` adds the method's own fields (CPU or FULL).
    """

    method: str = setting("simsiam", "the self-supervised method", choices=lambda: METHODS)
    dataset: str = setting("shapes", "the training data", choices=dataset_names)
    data_dir: str | None = setting(None, "where real datasets live (default ~/data)")
    download: bool = setting(False, "download a real dataset (needs internet)")
    backbone: str = setting("convnet", "the encoder network", choices=BACKBONES)
    width: int = setting(16, "convnet width", at_least=1)
    epochs: int = setting(24, "epochs the lr/EMA schedules are planned for", at_least=1)
    max_steps: int | None = setting(None, "stop after this many steps (the schedule is still planned for --epochs)", at_least=1)
    time_budget: float | None = setting(None, "seconds of training before stopping early", above=0)
    train_subset: int | None = setting(None, "train on the first N training images only (evaluation labels all)", at_least=1)
    view_size: int | None = setting(None, "side of the training views in px (None: the images'); evaluation stays full size")
    augment: str = setting("torch", "how in-memory data makes its views: plain tensor operations or kornia's modules",
                           choices=lambda: BATCH_AUGMENTS)
    batch_size: int = setting(128, "batch size (global, under torchrun)")
    lr: float = setting(0.1, "base lr for a batch of 256, scaled linearly", above=0)
    momentum: float = setting(0.9, "SGD/LARS momentum", at_least=0, below=1)
    weight_decay: float = setting(5e-4, "weight decay", at_least=0)
    warmup_epochs: float = setting(0.0, "epochs of linear lr warm-up", at_least=0)
    chunks: int = setting(1, "> 1: continual learning over this many consecutive chunks of the data (see epoch_order)",
                          at_least=1)
    chunk_epochs: int = setting(1, "with chunks > 1: epochs on each chunk before the next one", at_least=1)
    iid_from_epoch: int | None = setting(None, "with chunks > 1: from this epoch on, i.i.d. over all images (the hybrid)",
                                         at_least=0)
    # bookkeeping
    seed: int = setting(0, "seed of weights, augmentations and data order")
    device: str = setting("auto", "where to train (auto: CUDA > MPS > CPU)", choices=DEVICES)
    out: str | None = setting("runs/latest", "the run's folder (None: nothing is written: no checkpoint, no metrics file)")
    overwrite: bool = setting(False, "replace a run already in --out")
    checkpoint_every: int = setting(500, "steps between checkpoints (0: only at the end)", at_least=0)
    eval_every: int = setting(0, "kNN every N steps on a subset (0: at the end only)", at_least=0)
    eval_subset: int = setting(2000, "images of each split that --eval-every's kNN reads", at_least=1)
    final_eval: bool = setting(True, "kNN and linear probe of the trained backbone at the end")
    baseline: bool = setting(True, "with final_eval: the same scores for this backbone at random init (seeded)")
    knn_k: int = setting(200, "neighbours of the kNN evaluation", at_least=1)
    log_every: int = setting(10, "steps between collapse-monitor measurements", at_least=1)
    progress: bool = setting(True, "show a progress bar")
    num_workers: int = setting(2, "DataLoader workers (ImageFolder only)", at_least=0)
    strict_images: bool = setting(False, "ImageFolder: stop at the first undecodable image instead of skipping it")
    compile: bool = setting(False, "torch.compile the training step")
    precision: str = setting("auto", "arithmetic of the step (auto: bf16 on GPUs with native bf16, fp16 with a "
                                     "gradient scaler on other tensor-core GPUs such as a T4, fp32 on CPUs)",
                             choices=PRECISIONS)
    gpu_aug: bool | None = setting(None, "keep in-memory images on the GPU and make the views there "
                                         "(None: on the training device)")
    optimizer: str = setting("sgd", "sgd, or lars for large batches (BYOL/SimCLR ImageNet recipe)", choices=OPTIMIZERS)
    sync_bn: bool = setting(False, "under torchrun: SyncBatchNorm across ranks")
    dist_backend: str | None = setting(None, "under torchrun (None: nccl on CUDA, gloo on CPU)", choices=DIST_BACKENDS)

    def validate(self) -> None:
        """Every check of a run, before any data is loaded or folder written: each field's choices
        and bounds, the method's switches (``MethodConfig.validate``), and what needs more than one field."""
        super().validate(METHODS[self.method] if self.method in METHODS else None)
        if self.batch_size < 2:
            raise ValueError(
                f"batch size must be >= 2 (got {self.batch_size}): BatchNorm needs more than one sample "
                "and the losses compare pairs within a batch"
            )
        if self.view_size is not None and self.view_size < 8:
            raise ValueError(f"view_size must be >= 8 px (or None: the images' own size), got {self.view_size}")
        if self.iid_from_epoch is not None and self.chunks < 2:
            raise ValueError(f"iid_from_epoch needs chunks > 1 (a stream to leave), got chunks={self.chunks}")


@dataclass(kw_only=True)
class TrainResult:
    """What ``train`` returns: the trained method, its log and its scores (``None``: not measured)."""

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
    # the untrained backbone scored as the kNN curve during training is (eval_subset images, knn_k):
    # the curve's own starting line, which the final full-set random_init_knn is not
    random_init_curve_knn: float | None = None

    def summary(self) -> dict:
        keys = ("knn", "linear_probe", "random_init_knn", "random_init_probe", "feature_auc", "random_init_feature_auc",
                "random_init_curve_knn", "loss", "std_of_normalized", "effective_rank", "steps", "seconds", "collapsed", "collapse_step")
        data = {k: getattr(self, k) for k in keys}
        return {**data, "method": self.config.method, "dataset": self.config.dataset, "out": None if self.out is None else str(self.out)}
