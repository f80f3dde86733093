"""Training throughput in images/s: the model's own bound, our full step, a lightly-style pipeline.

For one method / backbone / batch size, on one device, three measurements of the same step count
(after warm-up steps that are not timed):

* (a) model bound: forward + backward + optimiser step on random views already on the device;
  (a) and (b) alternate ``--rounds`` times and report their medians, with b/a of each round;
* (b) ours: the trainer's data path (uint8 images resident on the device, both views made a batch at
  a time there by ``BatchTwoViewAugment``, on one channel for grey data such as ``shapes``) + the same
  step; and (b') the same with the views made on all three channels, as before the one-channel path;
* (c) lightly-style: torchvision CPU transforms per image (lightly's ``SimSiamTransform``) in a
  DataLoader with workers, lightly's SimSiam heads and loss, views copied to the device.

The data is the built-in ``shapes`` set (32 px, CIFAR's size; no download). Every side uses
channels_last (CUDA and CPU) and the trainer's precision on the device (`ssl_course.precision`), as the trainer does. Prints one JSON line: images/s of each and the
ratios b/a (goal >= 0.85) and b/c (goal >= 3).

    python benchmarks/throughput.py --method simsiam --backbone resnet18 --batch-size 512   # a GPU
    python benchmarks/throughput.py --backbone convnet --width 8 --batch-size 16 --steps 2   # CPU smoke run
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import torch
from torch import nn

from ssl_course.presets import preset
from ssl_course.config import TrainConfig
from ssl_course.data.training import training_data
from ssl_course.devices import pick_device, prefers_channels_last
from ssl_course.optim import build_optimizer
from ssl_course.precision import autocast, grad_scaler, resolve_precision
from ssl_course.models import BACKBONES
from ssl_course.train import optimizer_step
from ssl_course.build import build_from_config


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(step, batches, steps: int, warmup: int, batch_size: int, device: torch.device) -> float:
    """images/s of ``step(view1, view2)`` over ``steps`` batches after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step(*next(batches))
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        step(*next(batches))
    _sync(device)
    return steps * batch_size / (time.perf_counter() - started)


def _autocast(device: torch.device):
    return autocast(resolve_precision("auto", device), device)  # as the trainer: its precision on this device


def _prepare(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    x = x.to(device, non_blocking=True)
    return x.contiguous(memory_format=torch.channels_last) if prefers_channels_last(device) else x


def ours(config: TrainConfig, device: torch.device, steps: int, warmup: int, precision: str | None = None,
         channels_last: bool | None = None, grey_views: bool | None = None) -> tuple[float, float]:
    """(model bound, full step) images/s with the package's method, optimiser and data path, in ``precision``
    and memory layout (default: what the trainer picks on ``device``). ``grey_views=False`` makes the views
    of grey data on all three channels, as the trainer did before its one-channel path."""
    (bound,), (full,) = ours_rounds(config, device, steps, warmup, precision, channels_last, grey_views, rounds=1)
    return bound, full


def ours_rounds(config: TrainConfig, device: torch.device, steps: int, warmup: int, precision: str | None = None,
                channels_last: bool | None = None, grey_views: bool | None = None,
                rounds: int = 1) -> tuple[list[float], list[float]]:
    """``ours``, its two measurements alternated ``rounds`` times (so that a drift in the machine's speed
    falls on both alike): the lists of model-bound and full-step images/s, one entry per round."""
    precision = resolve_precision(precision or config.precision, device)
    channels_last = prefers_channels_last(device) if channels_last is None else channels_last
    torch.manual_seed(0)
    data = training_data(config, device)
    if grey_views is not None:
        data.augment.grey = grey_views and data.augment.grey
    method = build_from_config(config, data.size).to(device)
    if channels_last:
        method = method.to(memory_format=torch.channels_last)
    optimizer = build_optimizer(method, config, device)
    scaler = grad_scaler(precision, device)
    step_fn = torch.compile(method.training_step) if config.compile else method.training_step

    def step(view1, view2):  # the trainer's own step
        optimizer_step(method, step_fn, optimizer, view1.to(device, non_blocking=True), view2.to(device, non_blocking=True),
                       0, 10**6, autocast=autocast(precision, device), channels_last=channels_last, scaler=scaler)

    shape = (config.batch_size, 3, data.view_size, data.view_size)  # the views the trainer makes
    fixed = (torch.randn(shape, device=device), torch.randn(shape, device=device))

    def random_views():
        while True:
            yield fixed

    def real_views():
        epoch = 0
        while True:
            yield from data.views(epoch, 0)
            epoch += 1

    bounds, fulls, random_batches, real_batches = [], [], random_views(), real_views()
    for _ in range(rounds):
        bounds.append(_timed(step, random_batches, steps, warmup, config.batch_size, device))
        fulls.append(_timed(step, real_batches, steps, warmup, config.batch_size, device))
    return bounds, fulls


def lightly_style(config: TrainConfig, device: torch.device, steps: int, warmup: int, workers: int) -> float:
    """images/s of lightly's own recipe: per-image CPU transforms in DataLoader workers."""
    from lightly.loss import NegativeCosineSimilarity
    from lightly.models.modules import SimSiamPredictionHead, SimSiamProjectionHead
    from lightly_simsiam import lightly_loader  # this folder's lightly benchmark

    from ssl_course.data import dataset_spec
    from ssl_course.models import build_backbone

    torch.manual_seed(0)
    spec = dataset_spec(config.dataset)
    loader = lightly_loader(config.dataset, config.batch_size, workers, pin_memory=device.type == "cuda")
    backbone = build_backbone(config.backbone, spec.image_size, width=config.width, mean=spec.mean, std=spec.std)
    model = nn.ModuleDict({"backbone": backbone,
                           "projector": SimSiamProjectionHead(backbone.feature_dim, config.proj_hidden_dim, config.proj_dim),
                           "predictor": SimSiamPredictionHead(config.proj_dim, config.proj_dim // 4, config.proj_dim)}).to(device)
    if prefers_channels_last(device):
        model = model.to(memory_format=torch.channels_last)
    criterion = NegativeCosineSimilarity()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step(x0, x1):
        with _autocast(device):
            z0 = model["projector"](model["backbone"](_prepare(x0, device)))
            z1 = model["projector"](model["backbone"](_prepare(x1, device)))
            p0, p1 = model["predictor"](z0), model["predictor"](z1)
            loss = 0.5 * (criterion(p0, z1.detach()) + criterion(p1, z0.detach()))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def batches():
        while True:
            yield from loader

    return _timed(step, batches(), steps, warmup, config.batch_size, device)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="simsiam", choices=["simsiam", "byol"])
    parser.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    parser.add_argument("--width", type=int, default=preset("simsiam").width, help="convnet width")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=50, help="timed steps of each measurement")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps before each")
    parser.add_argument("--rounds", type=int, default=5, help="model bound and full step alternated this many times (medians)")
    parser.add_argument("--workers", type=int, default=8, help="DataLoader workers of the lightly-style pipeline")
    parser.add_argument("--compile", action="store_true", help="torch.compile our training step")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--out", default=None, help="also append the JSON line to this file (e.g. benchmarks/results_throughput.jsonl)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    config = preset(args.method, backbone=args.backbone, width=args.width, batch_size=args.batch_size,
                    compile=args.compile, out=None, progress=False)
    bounds, fulls = ours_rounds(config, device, args.steps, args.warmup, rounds=args.rounds)
    bound, full = statistics.median(bounds), statistics.median(fulls)
    ratios = [f / b for b, f in zip(bounds, fulls)]
    _, three_channel = ours(config, device, args.steps, args.warmup, grey_views=False)  # the views before
    reference = lightly_style(config, device, args.steps, args.warmup, args.workers)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    result = {
        "device": name, "method": args.method, "backbone": args.backbone, "batch_size": args.batch_size,
        "steps": args.steps, "rounds": args.rounds, "compile": args.compile,
        "model_bound_img_s": round(bound, 1), "ours_img_s": round(full, 1), "lightly_style_img_s": round(reference, 1),
        "ours_over_bound": round(full / bound, 3), "ours_over_bound_per_round": [round(r, 3) for r in ratios],
        "ours_over_lightly": round(full / reference, 3),
        "ours_three_channel_views_img_s": round(three_channel, 1), "three_channel_views_over_bound": round(three_channel / bound, 3),
    }
    assert all(math.isfinite(v) for v in (bound, full, reference, three_channel))
    print(json.dumps(result))
    if args.out:
        import datetime

        with open(args.out, "a") as handle:
            handle.write(json.dumps({"date": datetime.date.today().isoformat(), **result}) + "\n")
    return result


if __name__ == "__main__":
    main()
