"""What defines a run (``TrainConfig``) and what it returns (``TrainResult``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ssl_course.data import dataset_spec
from ssl_course.methods import METHODS, MethodConfig, SiameseMethod

OPTIMIZERS = ("sgd", "lars")
AUGMENTS = ("torch", "kornia")  # ssl_course.augment.BATCH_AUGMENTS
# Fields that may differ when a run is resumed; everything else must match the checkpoint.
RUNTIME_FIELDS = ("max_steps", "time_budget", "progress", "device", "checkpoint_every", "eval_every", "out", "overwrite",
                  "strict_images", "final_eval", "baseline")


@dataclass(kw_only=True)
class TrainConfig(MethodConfig):
    """Everything that defines a run; JSON-serialisable (``asdict``).

    The method's switches and sizes (``predictor``, ``ema``, ``proj_dim``, ...) are inherited from
    ``MethodConfig``, where their defaults live; the fields below are the run's. One flat set of
    keywords, ``TrainConfig(method="byol", ema=0.99)``, and the flat JSON of every saved run
    stay valid.

    The defaults are the CPU recipe every method shares (``presets.CPU_BASE``; a test keeps the two
    equal); ``ssl_course.presets.preset(method)`` adds the method's own fields (CPU or FULL).
    """

    method: str = "simsiam"
    dataset: str = "shapes"
    data_dir: str | None = None
    download: bool = False
    backbone: str = "convnet"
    width: int = 16  # convnet width
    epochs: int = 24  # the lr/EMA schedules are planned for this many epochs
    max_steps: int | None = None  # stop early (the schedule is still planned for `epochs`)
    time_budget: float | None = None  # seconds of training before stopping early
    train_subset: int | None = None  # train on the first N training images only (evaluation labels all)
    view_size: int | None = None  # side of the training views in px (None: the images'); evaluation stays full size
    augment: str = "torch"  # how in-memory data makes its views: "torch" (plain tensor ops) or "kornia" (its modules)
    batch_size: int = 128
    lr: float = 0.1  # base lr for a batch of 256
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: float = 0.0
    chunks: int = 1  # > 1: continual learning over consecutive chunks of the training set (see epoch_order)
    chunk_epochs: int = 1  # epochs on each chunk before the next one
    iid_from_epoch: int | None = None  # with chunks > 1: from this epoch on, i.i.d. over all images (the hybrid)
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

    def validate(self) -> None:
        dataset_spec(self.dataset)  # raises with the valid names
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; valid: {', '.join(METHODS)}")
        if self.batch_size < 2:
            raise ValueError(
                f"batch size must be >= 2 (got {self.batch_size}): BatchNorm needs more than one sample "
                "and the losses compare pairs within a batch"
            )
        for name in ("epochs", "log_every", "chunks", "chunk_epochs", "proj_dim", "proj_hidden_dim", "knn_k", "eval_subset"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.iid_from_epoch is not None and (self.chunks < 2 or self.iid_from_epoch < 0):
            raise ValueError(f"iid_from_epoch needs chunks > 1 and a value >= 0, got {self.iid_from_epoch} with chunks={self.chunks}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be >= 0 (0: only at the end), got {self.checkpoint_every}")
        if self.view_size is not None and self.view_size < 8:
            raise ValueError(f"view_size must be >= 8 px (or None: the images' own size), got {self.view_size}")
        if self.pred_hidden_dim is not None and self.pred_hidden_dim < 1:
            raise ValueError(f"pred_hidden_dim must be >= 1 (or None: the default), got {self.pred_hidden_dim}")
        self._validate_method_fields()
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.augment not in AUGMENTS:
            raise ValueError(f"unknown augment {self.augment!r}; valid: {', '.join(AUGMENTS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")

    def _validate_method_fields(self) -> None:
        """The method's values, checked before any data is loaded or folder written (the loss and
        ``DirectPredictor`` check theirs again when used on their own)."""
        self.check_switches(METHODS[self.method])
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if not 0.0 <= self.dp_rho < 1.0:
            raise ValueError(f"dp_rho must be in [0, 1), got {self.dp_rho}")
        if self.dp_eps < 0:
            raise ValueError(f"dp_eps must be >= 0, got {self.dp_eps}")
        if self.dp_freq < 1:
            raise ValueError(f"dp_freq must be >= 1, got {self.dp_freq}")


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
    # the untrained backbone scored as the kNN curve during training is (eval_subset images, knn_k):
    # the curve's own starting line, which the final full-set random_init_knn is not
    random_init_curve_knn: float | None = None

    def summary(self) -> dict:
        keys = ("knn", "linear_probe", "random_init_knn", "random_init_probe", "feature_auc", "random_init_feature_auc",
                "random_init_curve_knn", "loss", "std_of_normalized", "effective_rank", "steps", "seconds", "collapsed", "collapse_step")
        data = {k: getattr(self, k) for k in keys}
        return {**data, "method": self.config.method, "dataset": self.config.dataset, "out": None if self.out is None else str(self.out)}
