"""Data-parallel training from ``torchrun``'s environment, in a few lines.

``torchrun --nproc_per_node=N ...`` sets RANK, WORLD_SIZE and LOCAL_RANK. ``setup`` joins the
process group (nccl on CUDA, gloo on CPU) and picks this rank's device. The trainer then

* gives every rank the same seeded epoch order and takes rank r's slice of each global batch
  (``rank_slice``): disjoint data per rank, and resume stays exact because the order is a
  function of the epoch (what ``DistributedSampler`` does, minus its hidden state);
* wraps the method's training step in ``DistributedDataParallel`` (gradients averaged across
  ranks during backward; optional SyncBatchNorm);
* logs, evaluates and writes checkpoints on rank 0 only, with every rank's RNG state inside.

What a rank computes from its share of the batch is what one process computes from the whole
batch: SimCLR's InfoNCE meets the negatives of every rank (``gather_rows``, with gradients, as
lightly's ``gather_distributed`` does) and DirectPred's correlation F is averaged over ranks
(``all_mean``); the BYOL/SimSiam loss is a mean over samples, which DDP's gradient averaging
already makes global. Tests check each against one process with the whole batch (2-process gloo).

A single process (no torchrun) gets ``Distributed()`` (rank 0 of 1) and nothing changes.

    >>> rank_slice(torch.arange(8), rank=1, world_size=2).tolist()
    [4, 5, 6, 7]
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


DIST_BACKENDS = ("nccl", "gloo")


def setup(batch_size: int, device: str = "auto", backend: str | None = None) -> tuple[Distributed, torch.device | None]:
    """Join torchrun's process group; returns the context and this rank's device (None: single process)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed(), None
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if batch_size % world_size:
        raise ValueError(f"batch size {batch_size} is not divisible by the world size {world_size}")
    cuda = torch.cuda.is_available() and device != "cpu"
    backend = backend or ("nccl" if cuda else "gloo")
    if backend == "nccl" and not cuda:
        raise ValueError("the nccl backend needs CUDA GPUs; use --dist-backend gloo (or --device cpu) on this machine")
    this_device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(this_device)
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Distributed(rank, world_size, local_rank), this_device


def rank_slice(batch: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rank ``rank``'s contiguous share of a global batch of indices."""
    share = len(batch) // world_size
    return batch[rank * share : (rank + 1) * share]


class StepModule(nn.Module):
    """Makes ``method.training_step`` the forward of a module, so DDP can wrap it (tensors out)."""

    def __init__(self, method: nn.Module):
        super().__init__()
        self.method = method

    def forward(self, view1: torch.Tensor, view2: torch.Tensor):
        output = self.method.training_step(view1, view2)
        return output.loss, output.z1, output.z2


def wrap(method: nn.Module, context: Distributed, device: torch.device) -> nn.Module:
    """DistributedDataParallel around the training step.

    ``broadcast_buffers=False``: the buffers are equal on every rank by construction (DirectPred's
    F is all-reduced and W_p computed from it, the EMA target follows weights DDP keeps in sync), so
    rank 0 need not overwrite them at each forward; BatchNorm's running statistics stay each rank's
    estimate of the same data (rank 0's are checkpointed), unless the trainer made them SyncBatchNorm
    (``TrainConfig.sync_bn``).
    """
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(StepModule(method), device_ids=ids, broadcast_buffers=False)


def world() -> tuple[int, int]:
    """(rank, world size) of the process group this process has joined; (0, 1) outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _GatherRows(torch.autograd.Function):
    """All ranks' rows in rank order; backward hands each rank the summed gradient of its own rows."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad)  # every rank's loss depends on these rows, not only this rank's
        share = grad.shape[0] // dist.get_world_size()
        return grad[dist.get_rank() * share : (dist.get_rank() + 1) * share]


def gather_rows(x: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Every rank's rows of ``x`` (equal shares), concatenated with gradients, and where this rank's start.

    A single process gets ``(x, 0)``.
    """
    rank, world_size = world()
    if world_size == 1:
        return x, 0
    return _GatherRows.apply(x), rank * x.shape[0]


def all_mean(x: torch.Tensor) -> torch.Tensor:
    """The mean of ``x`` over ranks (no gradient); ``x`` itself in a single process."""
    if world()[1] == 1:
        return x
    x = x.clone()
    dist.all_reduce(x)
    return x / dist.get_world_size()


def any_rank(flag: bool, context: Distributed, device: torch.device) -> bool:
    """True on every rank when ``flag`` is true on any (stop decisions must agree)."""
    if not context.enabled:
        return flag
    value = torch.tensor([float(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def gather_objects(obj, context: Distributed) -> list:
    """Every rank's ``obj``, on every rank (a list of one without torchrun)."""
    if not context.enabled:
        return [obj]
    out = [None] * context.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(context: Distributed) -> None:
    if context.enabled:
        dist.barrier()
