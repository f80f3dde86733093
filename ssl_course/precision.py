"""Mixed precision: which arithmetic a training step runs in on the device at hand.

* **bf16** autocast on CUDA GPUs with native bf16 (compute capability 8.0 and newer: A100, L4, H100).
  bf16 keeps fp32's exponent range, so gradients need no scaling.
* **fp16** autocast with a gradient scaler on CUDA GPUs with fp16 tensor cores but no native bf16
  (compute capability 7.x: V100, and the T4 of a free Colab). fp16's narrow range lets small
  gradients underflow to zero, so the loss is multiplied by a scale before ``backward`` and the
  gradients divided by it before the step; a step whose gradients overflowed (inf or NaN) is skipped
  and the scale halved, and after ``growth_interval`` good steps it doubles (``torch.amp.GradScaler``).
* **fp32** everywhere else: CPUs (most have no fast half-precision units), Apple GPUs, older GPUs.

``TrainConfig.precision`` ("auto", or one of the three) chooses; the scaler's state travels in the
checkpoint, so a resumed fp16 run continues with the same scale.

Example:
    >>> auto_precision("cuda", (7, 5)), auto_precision("cuda", (8, 0)), auto_precision("cpu")
    ('fp16', 'bf16', 'fp32')
    >>> grad_scaler("fp32", torch.device("cpu")) is None
    True
"""
from __future__ import annotations

import contextlib

import torch

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def auto_precision(device_type: str, capability: tuple[int, int] | None = None) -> str:
    """The precision "auto" picks for a device: bf16 on CUDA capability >= 8.0, fp16 on 7.x (tensor
    cores without bf16), fp32 on older GPUs and on any other device."""
    if device_type != "cuda" or capability is None:
        return "fp32"
    if capability >= (8, 0):
        return "bf16"
    return "fp16" if capability >= (7, 0) else "fp32"


def resolve_precision(name: str, device: torch.device) -> str:
    """``name`` made concrete for ``device`` ("auto" -> what ``auto_precision`` picks there)."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; valid: {', '.join(PRECISIONS)}")
    if name != "auto":
        if device.type == "mps" and name != "fp32":
            raise ValueError(f"--precision {name} is not supported on Apple GPUs (mps) here: use fp32 or auto")
        return name
    capability = torch.cuda.get_device_capability(device) if device.type == "cuda" else None
    return auto_precision(device.type, capability)


def autocast(precision: str, device: torch.device):
    """The forward pass's context: autocast to bf16/fp16, or nothing for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=DTYPES[precision])


def grad_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler | None:
    """fp16's loss scaler (None for bf16 and fp32, which need none)."""
    return torch.amp.GradScaler(device.type) if precision == "fp16" else None
