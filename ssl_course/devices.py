"""Which device trains, and the two speed-ups the trainer turns on where they pay (channels_last, bf16)."""
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


def bf16_autocast(device: torch.device):
    """bf16 autocast where the GPU computes in bf16 natively (Ampere and newer: A100, L4, H100); fp32 elsewhere,
    including a T4 (free Colab), which would only emulate it, and CPUs."""
    native = device.type == "cuda" and torch.cuda.is_bf16_supported(including_emulation=False)
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=native)
