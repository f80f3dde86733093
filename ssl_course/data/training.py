"""The training views and evaluation sets of a run: two data paths behind one interface.

* ``InMemoryData``: built-in, CIFAR and STL-10 images held as one uint8 tensor (on the GPU when
  training there), both views of a batch made a batch at a time (``TrainConfig.augment``: tensor
  operations, or kornia's modules);
* ``FolderData``: an ImageFolder decoded by DataLoader workers with per-image torchvision v2 transforms.

``training_data(config, device)`` picks the one that fits the dataset. Both give
``views(epoch, start_batch)`` (pairs of augmented views, resumable at any batch),
``eval_sets(subset)`` (what kNN and the probe read) and ``steps_per_epoch``. The order of an
epoch is a function of (seed, epoch) only (``epoch_order``), so a resumed run needs just the step.

``train_images(config)`` and ``steps_per_epoch(config)`` are the one place that counts a run's images
and steps: the trainer, the presets' schedules and time estimates, the notebooks and the studies all
ask them.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from ssl_course import distributed
from ssl_course.augment import BATCH_AUGMENTS, eval_transform, is_grey, two_view_transform
from ssl_course.data import ArrayDataset, DatasetNotFoundError, as_tensors, dataset_spec, load_dataset, train_size

# the real datasets' training images, for sizing a run before their files are on disk (before --download)
PUBLISHED_TRAIN_SIZES = {"cifar10": 50_000, "cifar100": 50_000, "stl10": 105_000}


def train_images(config) -> int:
    """The training images a run of ``config`` draws from: its ``train_subset`` of the training split in
    ``config.data_dir`` (the published size when a real dataset's files are not there yet)."""
    try:
        n = train_size(config.dataset, config.data_dir)
    except DatasetNotFoundError:
        if config.dataset not in PUBLISHED_TRAIN_SIZES:
            raise
        n = PUBLISHED_TRAIN_SIZES[config.dataset]
    return min(n, config.train_subset) if config.train_subset else n


def steps_per_epoch(config, n: int | None = None) -> int:
    """Optimiser steps in one epoch of ``config`` over ``n`` training images (default: ``train_images``):
    one pass over a chunk (all images unless ``chunks`` > 1), whole batches only."""
    n = train_images(config) if n is None else n
    return max(1, (n // config.chunks) // config.batch_size)


def epoch_order(n: int, seed: int, epoch: int, chunks: int = 1, chunk_epochs: int = 1,
                iid_from_epoch: int | None = None) -> torch.Tensor:
    """The data order of one epoch: a function of (seed, epoch) only, so resuming needs just the step.

    With ``chunks`` > 1 the data is a stream of consecutive chunks: an epoch is one pass over
    chunk ``(epoch // chunk_epochs) % chunks`` (continual learning: each chunk for
    ``chunk_epochs`` epochs, then the next; Li, Efros & Pathak 2022). From ``iid_from_epoch`` on,
    an epoch is a chunk-sized draw without replacement from all ``n`` images instead (their hybrid:
    the stream first, then i.i.d. training, at the same steps an epoch).
    """
    size = n // chunks
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    if iid_from_epoch is not None and epoch >= iid_from_epoch:
        return torch.randperm(n, generator=generator)[:size]
    chunk = (epoch // chunk_epochs) % chunks
    return chunk * size + torch.randperm(size, generator=generator)


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
    """What both data paths share: the dataset's spec, the epoch order and the size checks."""

    def __init__(self, config, device: torch.device, context: distributed.Distributed, n: int):
        self.spec, self.config, self.device, self.context = dataset_spec(config.dataset), config, device, context
        self.size, self.n = self.spec.image_size, n
        self.view_size = config.view_size or self.size  # smaller views train faster; evaluation keeps self.size
        if n < config.batch_size:
            raise ValueError(f"batch size {config.batch_size} exceeds the {n} training images")
        if not 1 <= config.chunks <= n // config.batch_size:
            raise ValueError(f"chunks must be between 1 and {n // config.batch_size} (one batch each), got {config.chunks}")
        self.steps_per_epoch = steps_per_epoch(config, n)

    def order(self, epoch: int) -> torch.Tensor:
        config = self.config
        return epoch_order(self.n, config.seed, epoch, config.chunks, config.chunk_epochs, config.iid_from_epoch)


def first_of(labelled, test, subset: int | None):
    """(images, labels) pairs cut to their first ``subset`` and ``subset // 2`` (all if ``subset`` is None)."""
    if not subset:
        return labelled, test
    return tuple(t[:subset] for t in labelled), tuple(t[: subset // 2] for t in test)


class InMemoryData(TrainData):
    """All images in one uint8 tensor; views made a batch at a time (on the GPU unless ``gpu_aug=False``)."""

    def __init__(self, config, device, context, train, test):
        images, labels = as_tensors(train)
        # evaluation labels every training image, also when training sees a subset (as Li et al. probe
        # the full ImageNet whatever fraction the model was trained on)
        self.labelled = images[labels >= 0], labels[labels >= 0]  # STL-10's unlabeled images carry -1
        if config.train_subset:
            images, labels = images[: config.train_subset], labels[: config.train_subset]
        super().__init__(config, device, context, len(images))
        # where the images live and both views are made: the training device (no host-to-device
        # copies of views) unless gpu_aug=False asks for the CPU
        augment_device = torch.device("cpu") if config.gpu_aug is False else device
        self.images, self.labels, self.test = images.to(augment_device), labels, as_tensors(test)
        # grey data (shapes): the views are made on one channel, the same views for a third of the work
        grey = {"grey": is_grey(images)} if config.augment == "torch" else {}
        self.augment = BATCH_AUGMENTS[config.augment](self.view_size, self.spec.mean, self.spec.std, **grey).to(augment_device)

    def views(self, epoch: int, start_batch: int):
        """Yield (view1, view2) for the batches of ``epoch`` from ``start_batch`` on."""
        order, batch_size = self.order(epoch), self.config.batch_size
        for b in range(start_batch, self.steps_per_epoch):
            idx = order[b * batch_size : (b + 1) * batch_size]
            idx = distributed.rank_slice(idx, self.context.rank, self.context.world_size).to(self.images.device)
            view1, view2 = self.augment(self.images[idx])
            yield view1.to(self.device, non_blocking=True), view2.to(self.device, non_blocking=True)

    def eval_sets(self, subset: int | None):
        """(train, test) evaluation tensors, the first ``subset`` (and ``subset // 2``) of them if given."""
        return first_of(self.labelled, self.test, subset)


class FolderData(TrainData):
    """An ImageFolder: two views per image from DataLoader workers (torchvision v2 transforms)."""

    def __init__(self, config, device, context, train, test):
        if config.gpu_aug:
            raise ValueError(f"--gpu-aug needs an in-memory dataset (built-in, CIFAR, STL-10); {config.dataset} "
                             "is decoded from files by DataLoader workers")
        super().__init__(config, device, context, len(train))
        spec, root = self.spec, config.data_dir
        train.transform = two_view_transform(self.view_size, spec.mean, spec.std)
        evaluation = eval_transform(self.size, spec.mean, spec.std)
        self.train_dataset = train
        self.eval_train = load_dataset(config.dataset, spec.train_split, root=root, transform=evaluation)
        self.eval_test = load_dataset(config.dataset, spec.test_split, root=root, transform=evaluation)
        for dataset in (self.train_dataset, self.eval_train, self.eval_test):
            dataset.strict = config.strict_images

    def views(self, epoch: int, start_batch: int):
        """Yield (view1, view2) for the batches of ``epoch`` from ``start_batch`` on."""
        cfg, context = self.config, self.context
        sampler = EpochBatchSampler(self.order(epoch), cfg.batch_size, start_batch, context.rank, context.world_size)
        # its own generator: creating the iterator must not draw from the global RNG, or a resumed
        # run would augment differently (exact with num_workers=0; workers reseed per epoch)
        generator = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch * 101 + context.rank)
        loader = DataLoader(self.train_dataset, batch_sampler=sampler, num_workers=cfg.num_workers,
                            pin_memory=self.device.type == "cuda", persistent_workers=False, generator=generator)
        for (v1, v2), _ in loader:
            yield v1.to(self.device, non_blocking=True), v2.to(self.device, non_blocking=True)

    def eval_sets(self, subset: int | None):
        """(train, test) evaluation datasets, a seeded random ``subset`` (and ``subset // 2``) of them if given."""
        train, test = self.eval_train, self.eval_test
        if subset:
            g = torch.Generator().manual_seed(0)
            train = torch.utils.data.Subset(train, torch.randperm(len(train), generator=g)[:subset].tolist())
            test = torch.utils.data.Subset(test, torch.randperm(len(test), generator=g)[: subset // 2].tolist())
        return train, test


def training_data(config, device: torch.device, context: distributed.Distributed = distributed.Distributed()) -> TrainData:
    """The data path that fits ``config.dataset``: in memory when its images are one array, else from files."""
    spec = dataset_spec(config.dataset)
    train = load_dataset(config.dataset, spec.train_split, root=config.data_dir, download=config.download)
    test = load_dataset(config.dataset, spec.test_split, root=config.data_dir, download=config.download)
    in_memory = isinstance(train, ArrayDataset) or isinstance(getattr(train, "data", None), np.ndarray)
    return (InMemoryData if in_memory else FolderData)(config, device, context, train, test)
