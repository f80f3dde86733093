"""Data-parallel training from ``torchrun``'s environment, in a few lines.

``torchrun --nproc_per_node=N ...`` sets RANK, WORLD_SIZE and LOCAL_RANK. ``setup`` joins the
process group (nccl on CUDA, gloo on CPU) and picks this rank's device. The trainer then

* gives every rank the same seeded epoch order and takes rank r's slice of each global batch
  (``rank_slice``): disjoint data per rank, and resume stays exact because the order is a
  function of the epoch (what ``DistributedSampler`` does, minus its hidden state);
* wraps the method's training step in ``DistributedDataParallel`` (gradients averaged across
  ranks during backward; optional SyncBatchNorm);
* logs, evaluates and writes checkpoints on rank 0 only, with every rank's RNG state inside.

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


def wrap(method: nn.Module, context: Distributed, device: torch.device, sync_bn: bool = False) -> nn.Module:
    """DistributedDataParallel around the training step (optionally SyncBatchNorm first)."""
    if sync_bn:
        method = nn.SyncBatchNorm.convert_sync_batchnorm(method)
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(StepModule(method), device_ids=ids)


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
