"""Milliseconds per training step in fp32, under bf16 autocast, in channels_last memory, and with both.

The trainer's own step (``ssl_course.train.optimizer_step``) on random views already on the device,
after untimed warm-up steps, so only the model's arithmetic and memory layout differ between the four.
Notebook 08 loads this file (``ssl_course.course.load_benchmark("step_variants")``) and plots the
result; from a shell it prints one JSON line:

    python benchmarks/step_variants.py --method simsiam --steps 20 --warmup 3           # the course's ConvNet
    python benchmarks/step_variants.py --backbone resnet18 --batch-size 256 --device cuda
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from ssl_course import train as trainer
from ssl_course.build import build_from_config
from ssl_course.config import TrainConfig
from ssl_course.data import dataset_spec
from ssl_course.devices import pick_device
from ssl_course.optim import build_optimizer
from ssl_course.precision import autocast, grad_scaler
from ssl_course.presets import preset

# name -> (precision, channels_last memory); ssl_course.precision says what each precision does
STEP_VARIANTS = {"fp32": ("fp32", False), "bf16 autocast": ("bf16", False), "channels_last": ("fp32", True),
                 "bf16 + channels_last": ("bf16", True)}
# every precision the trainer has, with and without channels_last (benchmarks/gpu_check.py times these)
ALL_VARIANTS = {f"{precision}{' + channels_last' if cl else ''}": (precision, cl)
                for precision in ("fp32", "bf16", "fp16") for cl in (False, True)}


def time_step_variants(config: TrainConfig, steps: int = 20, warmup: int = 3, device=None,
                       variants: dict | None = None) -> dict[str, float]:
    """Milliseconds per step of ``config``'s model for each of ``variants`` (default ``STEP_VARIANTS``),
    ``steps`` timed steps after ``warmup`` untimed ones, each variant from the same seeded initial weights,
    with the trainer's optimiser (``ssl_course.optim.build_optimizer``) and, for fp16, its gradient scaler."""
    if steps < 1 or warmup < 0:
        raise ValueError(f"steps must be >= 1 and warmup >= 0, got steps={steps}, warmup={warmup}")
    device = torch.device(device) if device is not None else pick_device(config.device)
    size = dataset_spec(config.dataset).image_size
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = {}
    for name, (precision, channels_last) in (variants or STEP_VARIANTS).items():
        torch.manual_seed(config.seed)
        method = build_from_config(config, size).to(device)
        if channels_last:
            method = method.to(memory_format=torch.channels_last)
        optimizer = build_optimizer(method, config, device)
        views = torch.randn(2, config.batch_size, 3, size, size, device=device)
        scaler = grad_scaler(precision, device)
        started = None
        for k in range(warmup + steps):
            if k == warmup:
                sync()
                started = time.perf_counter()
            trainer.optimizer_step(method, method.training_step, optimizer, views[0], views[1], k, 10**6,
                                   autocast=autocast(precision, device), channels_last=channels_last, scaler=scaler)
        sync()
        times[name] = 1000 * (time.perf_counter() - started) / steps
    return times


def speed_factors(times: dict[str, float]) -> dict[str, float]:
    """Each variant's speed relative to fp32 (> 1: faster than fp32)."""
    return {name: times["fp32"] / ms for name, ms in times.items()}


def describe(times: dict[str, float], device_type: str) -> str:
    """The sentence the measured factors support, written from them."""

    def relative(factor):
        if abs(factor - 1) < 0.1:
            return f"{factor:.2f}x (the same within 10 %)"
        return f"{factor:.2f}x (faster)" if factor > 1 else f"{factor:.2f}x ({1 / factor:.1f}x slower)"

    factors = speed_factors(times)
    return (f"Measured on this machine ({device_type}), speed relative to fp32: bf16 autocast "
            f"{relative(factors['bf16 autocast'])}, channels_last {relative(factors['channels_last'])}, "
            f"both {relative(factors['bf16 + channels_last'])}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="simsiam")
    parser.add_argument("--backbone", default=None, help="default: the method's CPU preset")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("backbone", args.backbone), ("batch_size", args.batch_size)) if v is not None}
    try:
        config = preset(args.method, device=args.device, **overrides)
        device = pick_device(config.device)
        times = time_step_variants(config, steps=args.steps, warmup=args.warmup, device=device)
    except ValueError as error:
        print(f"step_variants: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"device": device.type, "backbone": config.backbone, "batch_size": config.batch_size,
                      "steps": args.steps, "ms_per_step": times, "speed_vs_fp32": speed_factors(times)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
