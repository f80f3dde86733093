"""Which device trains, and the memory layout the trainer uses there (channels_last); the arithmetic
precision is ``ssl_course.precision``."""
from __future__ import annotations

import torch


DEVICES = ("auto", "cpu", "cuda", "mps")


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
    """NHWC convolutions: faster on CUDA and on the CPU (``benchmarks/throughput.py`` measures it)."""
    return device.type in ("cuda", "cpu")
